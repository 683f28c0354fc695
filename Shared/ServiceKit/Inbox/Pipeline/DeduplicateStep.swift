import ExamHallModels
import ExamHallStorage

/// The inbox pipeline's third step, inside the apply step's transaction: each message id is recorded in
/// the inbox table, and one already there is a duplicate. The record commits or rolls back with the
/// message's effects, so a message is applied exactly once however often it is delivered.
enum DeduplicateStep {
    /// Records a batch's ids with one statement; returns those not seen before (an id twice in the
    /// batch counts once).
    static func recordFresh(_ messages: [EnvelopeMetadata], on connection: PGConnection) throws -> Set<String> {
        Set(try connection.query(
            """
            INSERT INTO inbox (message_id, type) SELECT * FROM unnest($1::text[], $2::text[])
            ON CONFLICT (message_id) DO NOTHING RETURNING message_id
            """,
            [messages.map(\.id), messages.map(\.type.rawValue)]
        ).map { try $0.decode("message_id", as: String.self) })
    }

    /// Records one id; false when it was seen before.
    static func recordFresh(_ message: EnvelopeMetadata, on connection: PGConnection) throws -> Bool {
        try connection.execute(
            "INSERT INTO inbox (message_id, type) VALUES ($1, $2) ON CONFLICT (message_id) DO NOTHING", [message.id, message.type.rawValue]
        ).affectedRows == 1
    }
}
