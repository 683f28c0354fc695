import HummingbirdBcrypt
import NIOPosix

/// bcrypt (cost 12, about a quarter of a second) on NIO's thread pool, never on an event loop.
enum Passwords {
    static let cost: UInt8 = 12
    /// Checked when the email is unknown, so an answer takes as long whether or not the account exists.
    private static let unknownAccountHash = Bcrypt.hash("no account has this password", cost: cost)

    static func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    static func verify(_ password: String, hash: String?) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive {
            let matches = Bcrypt.verify(password, hash: hash ?? unknownAccountHash)
            return matches && hash != nil
        }
    }
}
