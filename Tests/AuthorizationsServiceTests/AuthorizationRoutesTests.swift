@testable import AuthorizationsService
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The HTTP API through the application production builds, against the real database.
@Suite(.serialized) struct AuthorizationRoutesTests {
    let environment: ServiceEnvironment
    let processor: InboxProcessor
    let components: ServiceComponents

    init() async throws {
        environment = try await ServiceHarness.environment(for: AuthorizationsService.description)
        components = AuthorizationsService.components(environment)
        processor = ServiceHarness.processor(environment, components: components)
    }

    var application: some ApplicationProtocol {
        ServiceRunner.makeApplication(environment: environment, components: components, checks: [])
    }

    /// Opens an authorization for a fresh candidate and returns (candidateId, purchaseId).
    func openAuthorization(examCode: String = "CLOUD-101") async throws -> (String, String) {
        let purchase = Fixtures.purchase(examCode: examCode)
        #expect(await processor.handle([try .of(purchase)]) == .settled([.ack]))
        return (purchase.candidate.externalId, purchase.purchaseId)
    }

    func bearer(_ role: Role, _ subject: String) async throws -> HTTPFields {
        [.authorization: "Bearer \(try await ServiceHarness.token(environment, role, subject: subject))"]
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try EventCoding.decoder.decode(T.self, from: Data(buffer: response.body))
    }

    func problemType(_ response: TestResponse) throws -> String {
        #expect(response.headers[.contentType] == "application/problem+json")
        let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
        return String((object?["type"] as? String ?? "").split(separator: "/").last ?? "")
    }

    @Test func listingNeedsAToken() async throws {
        try await application.test(.router) { client in
            let response = try await client.execute(uri: "/authorizations", method: .get)
            #expect(response.status == .unauthorized)
            #expect(try problemType(response) == "authentication-required")
        }
    }

    @Test func badTokensAreRefused() async throws {
        let expired = try await ServiceHarness.token(environment, .csr, subject: "csr", validFor: -60)
        let foreign = try await TokenAuthority(secret: String(repeating: "x", count: 40)).sign(Principal(subject: "csr", role: .csr))
        let unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJjc3IiLCJyb2xlIjoiY3NyIiwiZXhwIjo0MTAyNDQ0ODAwfQ."
        try await application.test(.router) { client in
            for token in [expired, foreign, unsigned, "garbage"] {
                let response = try await client.execute(uri: "/authorizations", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(response.status == .unauthorized)
                #expect(try problemType(response) == "invalid-token")
            }
        }
    }

    @Test func theSchemeIsCaseInsensitiveAndSpacesAroundTheTokenAreIgnored() async throws {
        let token = try await ServiceHarness.token(environment, .csr, subject: "csr", validFor: 60)
        try await application.test(.router) { client in
            for header in ["Bearer \(token)", "bearer \(token)", "BEARER  \(token) ", "Bearer \t\(token)\t"] {
                let response = try await client.execute(uri: "/authorizations", method: .get, headers: [.authorization: header])
                #expect(response.status == .ok, "\(header.debugDescription)")
            }
            for header in ["Bearer", "Basic \(token)", "Bearer \(token)x"] {
                let response = try await client.execute(uri: "/authorizations", method: .get, headers: [.authorization: header])
                #expect(response.status == .unauthorized, "\(header.debugDescription)")
            }
        }
    }

    @Test func proctorsMayNotSeeAuthorizations() async throws {
        let headers = try await bearer(.proctor, "proctor-1")
        try await application.test(.router) { client in
            let response = try await client.execute(uri: "/authorizations", method: .get, headers: headers)
            #expect(response.status == .forbidden)
            #expect(try problemType(response) == "forbidden")
        }
    }

    @Test func candidatesSeeOnlyTheirOwn() async throws {
        let (mine, _) = try await openAuthorization()
        let (theirs, _) = try await openAuthorization()
        let headers = try await bearer(.candidate, mine)
        let theirId = try await environment.database.withConnection { connection in
            try connection.query("SELECT id FROM authorizations WHERE candidate_id = $1", [theirs])[0].decode("id", as: UUID.self)
        }
        try await application.test(.router) { client in
            let own = try await client.execute(uri: "/authorizations", method: .get, headers: headers)
            #expect(own.status == .ok)
            let list = try decode(AuthorizationList.self, own)
            #expect(list.items.map(\.candidateId) == [mine])

            let other = try await client.execute(uri: "/authorizations?candidateId=\(theirs)", method: .get, headers: headers)
            #expect(other.status == .forbidden)

            let probe = try await client.execute(uri: "/authorizations/\(theirId.uuidString)", method: .get, headers: headers)
            #expect(probe.status == .notFound)
        }
    }

    @Test func theIntegrationRoleReadsByPurchaseOrCandidateWithoutContactData() async throws {
        let (candidate, purchase) = try await openAuthorization()
        let headers = try await bearer(.integration, "payment-system")
        try await application.test(.router) { client in
            let byPurchase = try await client.execute(uri: "/authorizations?purchaseId=\(purchase)", method: .get, headers: headers)
            #expect(byPurchase.status == .ok)
            let list = try decode(AuthorizationList.self, byPurchase)
            #expect(list.items.map(\.purchaseId) == [purchase])
            #expect(list.items.allSatisfy { $0.candidate == nil }, "the payment system has the contact data already")
            let byCandidate = try decode(AuthorizationList.self, try await client.execute(uri: "/authorizations?candidateId=\(candidate)", method: .get, headers: headers))
            #expect(byCandidate.items.map(\.purchaseId) == [purchase])
            let one = try await client.execute(uri: "/authorizations/\(try #require(list.items.first).id)", method: .get, headers: headers)
            #expect(one.status == .ok)

            for unfiltered in ["/authorizations", "/authorizations?status=open", "/authorizations?purchaseId=\(purchase)&query=ada"] {
                let refused = try await client.execute(uri: unfiltered, method: .get, headers: headers)
                #expect(refused.status == .unprocessableContent, "\(unfiltered)")
                #expect(try problemType(refused) == "filter-required")
            }
            let id = try #require(list.items.first).id
            let deactivate = try await client.execute(
                uri: "/authorizations/\(id)/deactivate", method: .post, headers: headers, body: ByteBuffer(string: #"{"reason":"x"}"#)
            )
            #expect(deactivate.status == .forbidden, "it changes nothing")
        }
    }

    @Test func staffFilterByCandidateStatusAndExam() async throws {
        let (candidate, purchaseId) = try await openAuthorization(examCode: "NET-201")
        let headers = try await bearer(.csr, "csr-1")
        try await application.test(.router) { client in
            let response = try await client.execute(uri: "/authorizations?candidateId=\(candidate)&status=open&examCode=NET-201", method: .get, headers: headers)
            #expect(response.status == .ok)
            let list = try decode(AuthorizationList.self, response)
            #expect(list.items.map(\.purchaseId) == [purchaseId])
            let byPurchase = try await client.execute(uri: "/authorizations?purchaseId=\(purchaseId)", method: .get, headers: headers)
            #expect(try decode(AuthorizationList.self, byPurchase).items.map(\.candidateId) == [candidate])
            let none = try await client.execute(uri: "/authorizations?candidateId=\(candidate)&status=assigned", method: .get, headers: headers)
            #expect(try decode(AuthorizationList.self, none).items.isEmpty)
            let bad = try await client.execute(uri: "/authorizations?status=lost", method: .get, headers: headers)
            #expect(bad.status == .badRequest)
            #expect(try problemType(bad) == "invalid-query")
        }
    }

    @Test func deactivationIsFinalAndAudited() async throws {
        let (candidate, _) = try await openAuthorization()
        let staff = try await bearer(.csr, "csr-7")
        let candidateHeaders = try await bearer(.candidate, candidate)
        try await application.test(.router) { client in
            let list = try decode(AuthorizationList.self, try await client.execute(uri: "/authorizations?candidateId=\(candidate)", method: .get, headers: staff))
            let id = try #require(list.items.first?.id)
            let body = ByteBuffer(string: #"{"reason":"duplicate purchase"}"#)

            let refused = try await client.execute(uri: "/authorizations/\(id)/deactivate", method: .post, headers: candidateHeaders, body: body)
            #expect(refused.status == .forbidden)

            let done = try await client.execute(uri: "/authorizations/\(id)/deactivate", method: .post, headers: staff, body: body)
            #expect(done.status == .ok)
            let view = try decode(AuthorizationView.self, done)
            #expect(view.status == .inactive)
            #expect(view.inactivationReason == .deactivated)
            #expect(view.history?.map(\.to) == [.open, .inactive])
            #expect(view.history?.last?.actor == "csr:csr-7")

            let again = try await client.execute(uri: "/authorizations/\(id)/deactivate", method: .post, headers: staff, body: body)
            #expect(again.status == .conflict)
            #expect(try problemType(again) == "authorization-inactive")

            let empty = try await client.execute(uri: "/authorizations/\(id)/deactivate", method: .post, headers: staff, body: ByteBuffer(string: #"{"reason":" "}"#))
            #expect(empty.status == .unprocessableContent)
            #expect(try problemType(empty) == "validation-failed")

            let missing = try await client.execute(uri: "/authorizations/\(UUID().uuidString)/deactivate", method: .post, headers: staff, body: body)
            #expect(missing.status == .notFound)
        }
        let events = try await environment.database.withConnection { connection in
            try connection.query(
                "SELECT count(*) AS n FROM outbox WHERE routing_key = 'authorization.inactivated' AND body::jsonb -> 'data' ->> 'candidateId' = $1", [candidate]
            )[0].decode("n", as: Int.self)
        }
        #expect(events == 1)
    }

    @Test func healthIsOpenToOperators() async throws {
        try await application.test(.router) { client in
            #expect(try await client.execute(uri: "/health/live", method: .get).status == .ok)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
        }
    }
}
