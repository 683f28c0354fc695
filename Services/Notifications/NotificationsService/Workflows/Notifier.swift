import ExamHallMail
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// Turns "tell this candidate about this" into one stored, rendered email, inside the transaction of
/// the event that caused it: picks the language, renders the template, attaches the calendar event
/// and enqueues the delivery once per (occurrence, recipient, kind).
struct Notifier {
    let connection: PGConnection
    let settings: NotificationSettings
    let now: Date
    let correlationId: String?

    struct Request {
        var kind: NotificationKind
        /// What happened, in business terms: the email's identity.
        var occurrence: EmailOccurrence
        /// The message that brought the news, kept for tracing.
        var triggerEventId: String
        var candidateId: String
        /// From the event when it carries one; otherwise the projection's.
        var contact: Contact?
        var bookingId: String?
        var examCode: String
        var session: SessionSnapshot?
        /// The calendar event's SEQUENCE when the caller already advanced it; else the projection's next.
        var calendarSequence: Int?
        /// The kind's own values, in the chosen language and the candidate's time zone.
        var extra: @Sendable (_ language: String, _ zone: TimeZone) -> [String: TemplateValue] = { _, _ in [:] }
    }

    /// False when this email was already enqueued. The inbox has already turned redelivered messages
    /// away and news re-sent under a new id is rare, so the key is checked only by the insert.
    @discardableResult
    func notify(_ request: Request) throws -> Bool {
        try DeliveryStore(connection: connection).enqueue([try compose(request, templates: TemplateChooser(TemplateStore(connection: connection)))], at: now)[0]
    }

    /// The email `request` asks for, rendered and ready to enqueue (a batch enqueues many at once).
    func compose(_ request: Request, templates: TemplateChooser) throws -> DeliveryStore.Enqueued {
        let key = DeliveryRules.key(request.occurrence, candidateId: request.candidateId, kind: request.kind)
        let projections = ProjectionStore(connection: connection)
        var delivery = EmailDelivery(
            id: UUID.timeOrdered().uuidString.lowercased(), triggerEventId: request.triggerEventId, kind: request.kind, language: settings.defaultLanguage,
            candidateId: request.candidateId, bookingId: request.bookingId, recipient: nil, subject: "", status: .queued, attempts: 0,
            lastError: nil, nextAttemptAt: now, createdAt: now, sentAt: nil
        )
        if try projections.isErased(request.candidateId) {
            // Whatever the message brought along, an erased candidate gets no email and none is stored.
            delivery.status = .failed
            delivery.nextAttemptAt = nil
            delivery.lastError = "the candidate's personal data was erased"
            return DeliveryStore.Enqueued(delivery: delivery, key: key, message: nil, correlationId: correlationId)
        }
        guard let contact = try request.contact ?? projections.contact(request.candidateId) else {
            // Nobody to write to: recorded as failed, visible at /deliveries, never retried.
            delivery.status = .failed
            delivery.nextAttemptAt = nil
            delivery.lastError = "no email address known for candidate \(request.candidateId)"
            return DeliveryStore.Enqueued(delivery: delivery, key: key, message: nil, correlationId: correlationId)
        }
        let (language, template) = try templates.choose(request.kind, for: contact.language, fallback: settings.defaultLanguage)
        let zone = TimeZone(identifier: contact.timeZone) ?? request.session.flatMap { TimeZone(identifier: $0.timeZone) } ?? .gmt
        var variables = request.session.map {
            TemplateVariables.session($0, examCode: request.examCode, bookingId: request.bookingId ?? "", contact: contact, language: language)
        } ?? TemplateVariables.bookingOnly(examCode: request.examCode, bookingId: request.bookingId ?? "", contact: contact)
        variables.merge(request.extra(language, zone)) { _, extra in extra }
        let rendered = try TemplateRenderer.render(template, variables)

        var calendar: (InviteMethod, String)?
        if let method = request.kind.invite, let bookingId = request.bookingId, let session = request.session {
            let invite = CalendarInvite(
                method: method, bookingId: bookingId, sequence: try request.calendarSequence ?? projections.nextCalendarSequence(bookingId), start: session.start, end: session.end,
                summary: "\(request.examCode) — \(session.name)",
                location: [session.locationName, session.address, session.room].compactMap { $0 }.joined(separator: ", "),
                description: [session.instructions, session.additionalInstructions].compactMap { $0 }.joined(separator: "\n"),
                organizerEmail: settings.fromAddress, attendeeName: contact.name, attendeeEmail: contact.email, stamp: now
            )
            calendar = (method, invite.render())
        }
        let message = MailMessage(
            messageId: "\(delivery.id)@examhall", from: settings.fromAddress, fromName: settings.fromName,
            to: contact.email, toName: contact.name, subject: rendered.subject, date: now, text: rendered.text, html: rendered.html,
            calendar: calendar.map { (method: $0.0, ics: $0.1) }
        )
        delivery.language = language
        delivery.recipient = contact.email
        delivery.subject = rendered.subject
        return DeliveryStore.Enqueued(delivery: delivery, key: key, message: message.render(), correlationId: correlationId)
    }
}

extension HandlerContext {
    /// The notifier for the message being handled: its transaction, its time, its correlation id.
    func notifier(_ settings: NotificationSettings) -> Notifier {
        Notifier(connection: connection, settings: settings, now: now, correlationId: outbox.correlationId)
    }
}
