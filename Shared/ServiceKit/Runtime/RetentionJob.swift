import ExamHallStorage

/// Keeps the outbox and inbox small: sent rows go after a day; inbox ids after a week, well past any
/// redelivery (re-sends under new ids are caught by business keys, not the inbox).
enum RetentionJob {
    static func make(database: DatabasePool) -> PeriodicJob {
        PeriodicJob(name: "retention", interval: .seconds(600)) {
            try await database.withConnection { connection in
                try connection.execute("DELETE FROM outbox WHERE sent_at < now() - interval '1 day'")
                try connection.execute("DELETE FROM inbox WHERE received_at < now() - interval '7 days'")
            }
        }
    }
}
