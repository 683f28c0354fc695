import Hummingbird

/// What someone who is not signed in can make the console do: sign in, ask for a candidate's sign-in
/// link, and open or use a one-time link (a sign-in link or an invitation to set a password).
enum SignInPaths {
    static func reachableByStrangers(_ request: Request) -> Bool {
        let path = request.uri.path
        if request.method == .post, path == "/login" || path == "/login/link" { return true }
        return path.hasPrefix("/login/link/") || path.hasPrefix("/password/")
    }
}
