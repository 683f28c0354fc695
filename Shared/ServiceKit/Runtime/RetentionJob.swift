import ExamHallStorage

/// Keeps the outbox and inbox small: sent rows go after a day; inbox ids after `inboxDays`
/// (`EXAMHALL_INBOX_RETENTION_DAYS`, a week by default), well past any redelivery. That is how long a
/// message arriving again under the same id (a replayed dead letter among them) is known as a
/// duplicate; re-sends under new ids are caught by business keys, not the inbox.
enum RetentionJob {
    static func make(database: DatabasePool, inboxDays: Int) -> PeriodicJob {
        PeriodicJob(name: "retention", interval: .seconds(600)) {
            try await database.withConnection { connection in
                try connection.execute("DELETE FROM outbox WHERE sent_at < now() - interval '1 day'")
                try connection.execute("DELETE FROM inbox WHERE received_at < now() - $1 * interval '1 day'", [inboxDays])
            }
        }
    }
}
