import Foundation

/// A finished run of a program a test started.
public struct ProgramRun: Sendable {
    public let status: Int32
    public let output: Data
    public var text: String { String(decoding: output, as: UTF8.self) }
}

/// Runs programs for tests: the stack script, the CLI, an executable that must refuse to start, tools.
public enum Program {
    public enum Capture: Sendable { case standardOutput, standardError, both }

    /// Runs `executable` to completion with the test's environment plus `environment`; what `capture`
    /// does not name goes to /dev/null.
    public static func run(
        _ executable: URL, _ arguments: [String] = [], environment: [String: String] = [:], input: Data? = nil,
        capture: Capture = .standardOutput, in directory: URL? = nil
    ) throws -> ProgramRun {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        process.standardOutput = capture == .standardError ? FileHandle.nullDevice : output
        process.standardError = capture == .standardOutput ? FileHandle.nullDevice : output
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(input)
            try inputPipe.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProgramRun(status: process.terminationStatus, output: data)
    }
}
