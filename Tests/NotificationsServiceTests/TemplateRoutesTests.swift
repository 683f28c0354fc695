import ExamHallModels
import ExamHallServiceKit
import ExamHallTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import NotificationsService

@Suite struct TemplateValidationTests {
    @Test func everyShippedTemplateIsValidInEnglishAndFrench() {
        for kind in NotificationKind.allCases {
            for language in DefaultTemplates.languages {
                let template = DefaultTemplates.template(kind, language: language)
                #expect(template != nil, "\(kind) \(language)")
                #expect(template.map { TemplateRenderer.validate($0, for: kind) } == [], "\(kind) \(language)")
            }
        }
    }

    @Test func syntaxErrorsAndUnknownVariablesSayWhere() {
        let template = MessageTemplate(
            subject: "Booked: {{examCode}}",
            text: "Hello {{candidateName}},\nyour {{sesionName}} starts at {{startTime}}.\n",
            html: "<p>{{#room}}Room {{room}}</p>\n"
        )
        let issues = TemplateRenderer.validate(template, for: .bookingConfirmed)
        #expect(issues.contains { $0.part == "text" && $0.line == 2 && $0.column == 6 && $0.message.hasPrefix("unknown variable 'sesionName'") }, "\(issues)")
        #expect(issues.contains { $0.part == "html" && $0.message.hasPrefix("does not compile") }, "\(issues)")
        #expect(!issues.contains { $0.part == "subject" })
    }
}

/// Templates over HTTP as CSRs use them: list, show, edit with history, refuse what is wrong, preview.
@Suite(.serialized) struct TemplateRoutesTests {
    static func body(_ template: MessageTemplate) throws -> String {
        String(decoding: try JSONEncoder().encode(template), as: UTF8.self)
    }

    @Test func csrsEditPreviewAndSeeTheHistoryOfTemplates() async throws {
        let bed = try await NotificationTestBed(port: 18201)
        let application = ServiceRunner.makeApplication(environment: bed.environment, components: bed.components, checks: [])
        let csr = try await ServiceHarness.token(bed.environment, .csr, subject: "csr-templates")
        // A language of its own (a private-use subtag per run), so the test does not change what other tests send.
        let language = "nl-x\(UUID().uuidString.prefix(6).lowercased())"
        try await application.test(.router) { client in
            let list = try await client.call(.get, "/templates", as: csr)
            let items = try #require(list.json["items"] as? [[String: Any]])
            #expect(items.count >= NotificationKind.allCases.count * 2)
            #expect(items.contains { $0["kind"] as? String == "booking-confirmed" && $0["language"] as? String == "fr" })

            let invalid = try await client.call(.put, "/templates/booking-confirmed/\(language)", as: csr, json: try Self.body(MessageTemplate(
                subject: "Geboekt: {{examCode}}", text: "Beste {{candidateName}},\n{{#room}}Zaal {{roomNumber}}{{/room}}\n", html: "<p>{{#room}}</p>"
            )))
            #expect(invalid.status == .unprocessableContent)
            let errors = try #require(invalid.json["errors"] as? [[String: Any]])
            #expect(errors.contains { $0["field"] as? String == "text" && $0["line"] as? Int == 2 && ($0["message"] as? String)?.contains("roomNumber") == true }, "\(errors)")
            #expect(errors.contains { $0["field"] as? String == "html" }, "\(errors)")
            #expect(try await client.call(.get, "/templates/booking-confirmed/\(language)", as: csr).status == .notFound, "nothing was saved")

            let dutch = MessageTemplate(subject: "Geboekt: {{examCode}} op {{startDate}}", text: "Beste {{candidateName}},\n\n{{instructions}}\n", html: "<p>Beste {{candidateName}}</p>")
            let saved = try await client.call(.put, "/templates/booking-confirmed/\(language)", as: csr, json: try Self.body(dutch))
            #expect(saved.status == .ok)
            let firstVersion = try #require(saved.json["version"] as? Int)
            var edited = dutch
            edited.subject = "Uw examen {{examCode}} is geboekt"
            let again = try await client.call(.put, "/templates/booking-confirmed/\(language)", as: csr, json: try Self.body(edited))
            #expect(again.json["version"] as? Int == firstVersion + 1)
            let shown = try await client.call(.get, "/templates/booking-confirmed/\(language)", as: csr)
            #expect(shown.json["source"] as? String == "custom")
            let history = try #require(shown.json["history"] as? [[String: Any]])
            #expect(history.prefix(2).compactMap { $0["subject"] as? String } == [edited.subject, dutch.subject])
            #expect(history.first?["editedBy"] as? String == "csr:csr-templates")

            let preview = try await client.call(.post, "/templates/booking-confirmed/\(language)/preview", as: csr, json: #"{"variables":{"candidateName":"Anna <de Vries>"}}"#)
            #expect(preview.json["subject"] as? String == "Uw examen CLOUD-101 is geboekt")
            #expect(preview.json["text"] as? String == "Beste Anna <de Vries>,\n\nBring a photo ID.\n")
            #expect(preview.json["html"] as? String == "<p>Beste Anna &lt;de Vries&gt;</p>")
            let draft = try await client.call(.post, "/templates/reminder/en/preview", as: csr, json: #"{"subject":"In {{hoursBefore}}h: {{examCode}}"}"#)
            #expect(draft.json["subject"] as? String == "In 24h: CLOUD-101")
            let badDraft = try await client.call(.post, "/templates/reminder/en/preview", as: csr, json: #"{"subject":"{{score}}"}"#)
            #expect(badDraft.status == .unprocessableContent)

            let candidate = try await ServiceHarness.token(bed.environment, .candidate, subject: "cand-x")
            #expect(try await client.call(.put, "/templates/booking-confirmed/\(language)", as: candidate, json: try Self.body(dutch)).status == .forbidden)
            #expect(try await client.call(.get, "/templates/no-such-kind/en", as: csr).status == .notFound)
        }

        // Emails now use the edited template for candidates writing in that language.
        let session = NotificationTestBed.session(start: Date() + 9 * 86_400)
        let reader = NotificationTestBed.candidate(language: language, timeZone: "Europe/Amsterdam")
        #expect(await bed.handle([try .of(NotificationTestBed.confirmed(reader, session: session), exchange: .events)]))
        try await bed.drain()
        #expect(try bed.mail(to: reader.contact.email).first?.headers["Subject"] == "Uw examen CLOUD-101 is geboekt")
    }

    @Test func candidatesSeeTheirOwnDeliveriesAndStaffSeeAll() async throws {
        let bed = try await NotificationTestBed(port: 18202)
        let session = NotificationTestBed.session(start: Date() + 9 * 86_400)
        let mine = NotificationTestBed.candidate(language: "en", timeZone: "UTC")
        let theirs = NotificationTestBed.candidate(language: "en", timeZone: "UTC")
        #expect(await bed.handle([
            try .of(NotificationTestBed.confirmed(mine, session: session), exchange: .events),
            try .of(NotificationTestBed.confirmed(theirs, session: session), exchange: .events),
        ]))
        try await bed.drain()
        let application = ServiceRunner.makeApplication(environment: bed.environment, components: bed.components, checks: [])
        try await application.test(.router) { client in
            let own = try await client.call(.get, "/deliveries", as: try await ServiceHarness.token(bed.environment, .candidate, subject: mine.id))
            let items = try #require(own.json["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["candidateId"] as? String } == [mine.id])
            #expect(items.first?["status"] as? String == "sent")
            #expect(items.first?["attempts"] as? Int == 1)
            let prying = try await client.call(.get, "/deliveries?candidateId=\(theirs.id)", as: try await ServiceHarness.token(bed.environment, .candidate, subject: mine.id))
            #expect(prying.status == .forbidden)
            let csr = try await ServiceHarness.token(bed.environment, .csr, subject: "csr-1")
            let sent = try await client.call(.get, "/deliveries?candidateId=\(theirs.id)&status=sent", as: csr)
            let line = try #require((sent.json["items"] as? [[String: Any]])?.first)
            #expect(sent.json["total"] as? Int == (sent.json["items"] as? [[String: Any]])?.count, "one page holds them all")
            let paged = try await client.call(.get, "/deliveries?limit=1", as: csr)
            #expect((paged.json["items"] as? [[String: Any]])?.count == 1 && (paged.json["total"] as? Int ?? 0) >= 2)
            #expect(try await client.call(.get, "/deliveries?limit=1001", as: csr).status == .badRequest)
            let id = try #require(line["id"] as? String)
            #expect(id == id.lowercased(), "ids are shown as everywhere else in ExamHall")
            let detail = try await client.call(.get, "/deliveries/\(line["id"] as? String ?? "")", as: csr)
            #expect((detail.json["message"] as? String)?.contains("Content-Type: text/calendar") == true)
            #expect(try await client.call(.get, "/deliveries?status=lost", as: csr).status == .badRequest)
        }
    }
}
