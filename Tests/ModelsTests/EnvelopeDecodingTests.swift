import ExamHallModels
import Foundation
import Testing

@Suite struct EnvelopeDecodingTests {
    nonisolated(unsafe) static let validEnvelope: [String: Any] = [
        "specversion": "1.0", "id": "6f1c1d2e-0000-4000-8000-000000000001", "type": "purchase.completed",
        "source": "payment-system", "time": "2026-11-23T10:00:00Z", "datacontenttype": "application/json",
        "correlationid": "c-1",
        "data": [
            "purchaseId": "P-1", "examCode": "CLOUD-101", "validUntil": "2027-01-01T00:00:00.5Z",
            "candidate": [
                "externalId": "cand-1", "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.org",
                "language": "en", "timeZone": "Europe/London",
            ],
        ],
    ]

    static func body(_ object: [String: Any]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: object))
    }

    static func removing(_ path: [String]) -> [String: Any] {
        func remove(_ object: [String: Any], _ path: ArraySlice<String>) -> [String: Any] {
            var copy = object
            if path.count == 1 { copy[path.first!] = nil } else {
                copy[path.first!] = remove(object[path.first!] as! [String: Any], path.dropFirst())
            }
            return copy
        }
        return remove(validEnvelope, path[...])
    }

    static func replacing(_ path: [String], with value: Any) -> [String: Any] {
        func replace(_ object: [String: Any], _ path: ArraySlice<String>) -> [String: Any] {
            var copy = object
            if path.count == 1 { copy[path.first!] = value } else {
                copy[path.first!] = replace(object[path.first!] as! [String: Any], path.dropFirst())
            }
            return copy
        }
        return replace(validEnvelope, path[...])
    }

    @Test func decodesAValidPurchase() throws {
        let event = try EnvelopeDecoder.decode(PurchaseCompleted.self, from: Self.body(Self.validEnvelope))
        #expect(event.id == "6f1c1d2e-0000-4000-8000-000000000001")
        #expect(event.correlationid == "c-1")
        #expect(event.data.purchaseId == "P-1")
        #expect(event.data.candidate.timeZone == "Europe/London")
        #expect(event.data.validUntil == Date(timeIntervalSince1970: 1_798_761_600.5))
    }

    @Test func roundTripsThroughTheWireFormat() throws {
        let original = try EnvelopeDecoder.decode(PurchaseCompleted.self, from: Self.body(Self.validEnvelope))
        let again = try EnvelopeDecoder.decode(PurchaseCompleted.self, from: try original.encoded())
        #expect(again.metadata == original.metadata)
        #expect(again.data == original.data)
    }

    @Test(arguments: ["specversion", "id", "type", "source", "time"])
    func missingEnvelopeFieldIsNamed(_ field: String) {
        #expect(throws: EnvelopeError.missingField(field)) {
            try EnvelopeDecoder.decode(PurchaseCompleted.self, from: Self.body(Self.removing([field])))
        }
    }

    @Test(arguments: [
        ["data"], ["data", "purchaseId"], ["data", "examCode"], ["data", "candidate"],
        ["data", "candidate", "externalId"], ["data", "candidate", "email"], ["data", "candidate", "language"],
        ["data", "candidate", "timeZone"], ["data", "candidate", "firstName"], ["data", "candidate", "lastName"],
    ])
    func missingDataFieldIsNamedByItsPath(_ path: [String]) {
        #expect(throws: EnvelopeError.missingField(path.joined(separator: "."))) {
            try EnvelopeDecoder.decode(PurchaseCompleted.self, from: Self.body(Self.removing(path)))
        }
    }

    @Test func optionalFieldsMayBeAbsent() throws {
        let event = try EnvelopeDecoder.decode(PurchaseCompleted.self, from: Self.body(Self.removing(["data", "validUntil"])))
        #expect(event.data.validUntil == nil)
        _ = try EnvelopeDecoder.decode(PurchaseCompleted.self, from: Self.body(Self.removing(["correlationid"])))
    }

    @Test func wrongTypeNamesFieldAndExpectation() {
        #expect(throws: EnvelopeError.invalidField("data.purchaseId", reason: "expected a string")) {
            try EnvelopeDecoder.decode(PurchaseCompleted.self, from: Self.body(Self.replacing(["data", "purchaseId"], with: 42)))
        }
        #expect(throws: EnvelopeError.invalidField("time", reason: "is not an RFC 3339 timestamp")) {
            try EnvelopeDecoder.decode(PurchaseCompleted.self, from: Self.body(Self.replacing(["time"], with: "yesterday")))
        }
    }

    @Test func notJSONIsRefused() {
        #expect(throws: EnvelopeError.notJSON) { try EnvelopeDecoder.metadata(from: Array("hello".utf8)) }
        #expect(throws: EnvelopeError.notJSON) { try EnvelopeDecoder.metadata(from: Array("[1,2]".utf8)) }
        #expect(throws: EnvelopeError.notJSON) { try EnvelopeDecoder.metadata(from: []) }
    }

    @Test func oversizedBodyIsRefusedBeforeParsing() {
        let body = [UInt8](repeating: UInt8(ascii: " "), count: 2 * 1024 * 1024)
        #expect(throws: EnvelopeError.tooLarge(bytes: 2 * 1024 * 1024, limit: EnvelopeDecoder.defaultMaximumSize)) {
            try EnvelopeDecoder.metadata(from: body)
        }
    }

    @Test func otherSpecVersionIsRefused() {
        #expect(throws: EnvelopeError.unsupportedSpecVersion("0.3")) {
            try EnvelopeDecoder.decode(PurchaseCompleted.self, from: Self.body(Self.replacing(["specversion"], with: "0.3")))
        }
    }

    @Test func typeOtherThanThePayloadsIsUnknown() {
        #expect(throws: EnvelopeError.unknownType("purchase.exploded")) {
            try EnvelopeDecoder.decode(PurchaseCompleted.self, from: Self.body(Self.replacing(["type"], with: "purchase.exploded")))
        }
    }

    @Test func businessValidationListsEveryIssue() {
        var envelope = Self.replacing(["data", "candidate", "email"], with: "not-an-email")
        var data = envelope["data"] as! [String: Any]
        var candidate = data["candidate"] as! [String: Any]
        candidate["timeZone"] = "Mars/Olympus"
        data["candidate"] = candidate
        data["purchaseId"] = "  "
        envelope["data"] = data
        do {
            _ = try EnvelopeDecoder.decode(PurchaseCompleted.self, from: Self.body(envelope))
            Issue.record("expected validation to fail")
        } catch let EnvelopeError.invalid(error) {
            #expect(Set(error.issues.map(\.field)) == ["data.purchaseId", "data.candidate.email", "data.candidate.timeZone"])
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func anEventWithANULCharacterIsRefusedWithItsReason() {
        let body = Self.body(Self.replacing(["data", "candidate", "firstName"], with: "Ada\u{0}Byron"))
        #expect(throws: EnvelopeError.containsNUL) { try EnvelopeDecoder.decode(PurchaseCompleted.self, from: body) }
        #expect(EnvelopeError.containsNUL.description.contains("NUL"))
        // A backslash followed by "u0000" is ordinary text.
        let lookalike = Self.body(Self.replacing(["data", "candidate", "firstName"], with: "Ada\\u0000"))
        #expect(throws: Never.self) { try EnvelopeDecoder.decode(PurchaseCompleted.self, from: lookalike) }
    }

    @Test(arguments: [
        (#"{"a":"x\u0000y"}"#, true), (#"{"a":"\\\u0000"}"#, true), (#"{"a":"\u0000"}"#, true),
        (#"{"a":"\\u0000"}"#, false), (#"{"a":"\u0001"}"#, false), (#"{"a":"\u000"}"#, false),
        (#"{"a":"u0000"}"#, false), (#"{"a":"\"}"#, false), ("", false),
    ])
    func anEscapedNULIsFoundOnlyWhereJSONMeansOne(_ json: String, _ holdsNUL: Bool) {
        #expect(NULCharacter.isEscaped(in: Array(json.utf8)) == holdsNUL, "\(json)")
    }

    @Test func unknownExtraFieldsAreIgnored() throws {
        var envelope = Self.validEnvelope
        envelope["traceparent"] = "00-abc"
        var data = envelope["data"] as! [String: Any]
        data["newField"] = ["nested": true]
        envelope["data"] = data
        _ = try EnvelopeDecoder.decode(PurchaseCompleted.self, from: Self.body(envelope))
    }

    @Test func everyContractEventHasAUniqueTypePerExchange() {
        var seen = Set<String>()
        for entry in EventCatalog.all {
            #expect(seen.insert("\(entry.exchange.rawValue) \(entry.type)").inserted, "\(entry.type) listed twice")
            #expect(entry.type == entry.payload.type)
        }
        #expect(EventCatalog.events.count == 29)
    }
}
