import ArgumentParser

@main
struct ExamHallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "examhall",
        abstract: "ExamHall administration: tokens, events, queues and the demo.",
        discussion: "Reads EXAMHALL_AMQP_URL, EXAMHALL_DATABASE_URL and EXAMHALL_JWT_SECRET (see `scripts/stack env admin`).",
        subcommands: [
            TokenCommand.self, PublishCommand.self, QueuesCommand.self, DeadCommand.self, OutboxCommand.self, SeedCommand.self, ReceiveCommand.self,
            TopologyCommand.self, CandidateCommand.self,
        ]
    )
}
