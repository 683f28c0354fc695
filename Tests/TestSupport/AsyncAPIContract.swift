import Foundation

/// Checks a message against the published contract: its channel's payload schema in
/// `docs/asyncapi.yaml`, with a real JSON Schema validator (Python's `jsonschema`).
public enum AsyncAPIContract {
    /// Every way `body` breaks the schema of `channel` (e.g. `examhall.outbound/payment.requested`);
    /// empty when it conforms.
    public static func violations(of body: [UInt8], channel: String) throws -> [String] {
        let script = TestStack.root.appendingPathComponent("Tests/Support/asyncapi_validate.py").path
        let document = TestStack.root.appendingPathComponent("docs/asyncapi.yaml").path
        let run = try Program.run(SMTPSink.python, [script, document, channel], input: Data(body), capture: .standardOutput)
        guard run.status == 0 else { return run.text.split(separator: "\n").map(String.init) + ["(exit \(run.status))"] }
        return []
    }
}
