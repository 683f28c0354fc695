import Foundation
import Hummingbird
import HummingbirdTesting

/// A reply from a route under test: its status and its JSON body (empty when the body is not a JSON object).
public typealias JSONReply = (status: HTTPResponse.Status, json: [String: Any])

extension TestClientProtocol {
    /// Sends `json` with a bearer token, as the front ends do, and reads the JSON reply.
    public func call(_ method: HTTPRequest.Method, _ uri: String, as token: String, json: String? = nil) async throws -> JSONReply {
        let response = try await execute(
            uri: uri, method: method, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: json.map { ByteBuffer(string: $0) }
        )
        return (response.status, (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:])
    }
}
