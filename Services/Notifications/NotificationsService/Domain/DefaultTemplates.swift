/// The templates ExamHall ships, in English and French, for every kind. A CSR's edit replaces one
/// (kind, language) pair; the shipped text stays here as the fallback and the starting point.
public enum DefaultTemplates {
    public static let languages = ["en", "fr"]

    public static func template(_ kind: NotificationKind, language: String) -> MessageTemplate? {
        shipped[language]?[kind]
    }

    /// Built once: every email falls back to these, and building them is string work.
    private static let shipped: [String: [NotificationKind: MessageTemplate]] = [
        "en": Dictionary(uniqueKeysWithValues: NotificationKind.allCases.map { ($0, english($0)) }),
        "fr": Dictionary(uniqueKeysWithValues: NotificationKind.allCases.map { ($0, french($0)) }),
    ]

    /// A template whose text body is `paragraphs` separated by blank lines, and whose HTML body shows
    /// the same paragraphs (line breaks kept) in a plain, mail-client-safe layout.
    static func make(_ subject: String, _ paragraphs: [String]) -> MessageTemplate {
        let html = paragraphs.map { "<p>" + $0.replacingOccurrences(of: "\n", with: "<br>\n") + "</p>" }.joined(separator: "\n")
        return MessageTemplate(
            subject: subject,
            text: paragraphs.joined(separator: "\n\n") + "\n",
            html: "<!DOCTYPE html>\n<html><body style=\"font-family: sans-serif; line-height: 1.5\">\n\(html)\n</body></html>\n"
        )
    }

    // MARK: - English

    static let sessionEN = """
        {{sessionName}} ({{examCode}})
        {{startDate}}, {{startTime}}–{{endTime}} ({{timeZone}}, UTC{{utcOffset}})
        {{locationName}}, {{address}}{{#room}} — {{room}}{{/room}}
        Delivery: {{deliveryPreference}}
        """
    static let instructionsEN = """
        {{#instructions}}Instructions: {{instructions}}{{/instructions}}{{^instructions}}There are no special instructions for this session.{{/instructions}}{{#additionalInstructions}}
        Also: {{additionalInstructions}}{{/additionalInstructions}}
        """
    static let signatureEN = "The ExamHall team\nBooking reference: {{bookingId}}"

    static func english(_ kind: NotificationKind) -> MessageTemplate {
        switch kind {
        case .bookingConfirmed:
            make("Your {{examCode}} exam is booked: {{startDate}}, {{startTime}}", [
                "Dear {{candidateName}},", "Your seat is booked:", sessionEN, instructionsEN,
                "The attached calendar event keeps the date in your calendar.", signatureEN,
            ])
        case .waitlistJoined:
            make("You are on the waiting list for {{examCode}} on {{startDate}}", [
                "Dear {{candidateName}},", "The session is full, so you are on its waiting list:", sessionEN,
                "If a seat frees up before the booking deadline, it is yours and we will write to you at once.", signatureEN,
            ])
        case .waitlistPromoted:
            make("A seat is yours: {{examCode}} on {{startDate}}, {{startTime}}", [
                "Dear {{candidateName}},", "A seat freed up and you were first on the waiting list. You are booked:", sessionEN, instructionsEN,
                "The attached calendar event keeps the date in your calendar.", signatureEN,
            ])
        case .bookingCancelled:
            make("Your {{examCode}} booking is cancelled", [
                "Dear {{candidateName}},", "Your booking for this session is cancelled{{#reason}} ({{reason}}){{/reason}}:", sessionEN,
                "The attached update removes it from your calendar.", signatureEN,
            ])
        case .bookingTransferred:
            make("{{#rescheduled}}Rescheduled{{/rescheduled}}{{^rescheduled}}Moved{{/rescheduled}}: your {{examCode}} exam is now on {{startDate}}, {{startTime}}", [
                "Dear {{candidateName}},",
                "{{#rescheduled}}As you asked, your exam is rescheduled{{/rescheduled}}{{^rescheduled}}Our team moved your booking{{/rescheduled}} from {{previousSessionName}} ({{previousStartDate}}, {{previousStartTime}}) to:",
                sessionEN, instructionsEN, "The attached update moves the event in your calendar.", signatureEN,
            ])
        case .bookingRejected:
            make("We could not book your {{examCode}} exam", [
                "Dear {{candidateName}},", "We could not keep your booking{{#sessionName}} for {{sessionName}}{{/sessionName}}{{#reason}}: {{reason}}{{/reason}}.",
                "Your seat has been released. Please book another session or contact us.", signatureEN,
            ])
        case .paymentRequested:
            make("Payment needed to keep your exam seat", [
                "Dear {{candidateName}},", "We are holding a seat for you{{#sessionName}} in {{sessionName}}{{/sessionName}}{{#examCode}} ({{examCode}}){{/examCode}}{{#startDate}}, on {{startDate}} from {{startTime}} to {{endTime}} ({{timeZone}}, {{utcOffset}}) at {{locationName}}, {{address}}{{/startDate}}.",
                "To keep it, please pay {{amount}} {{currency}} by {{paymentDeadlineDate}}, {{paymentDeadlineTime}}.",
                "Without payment by then the seat goes to the next candidate.", signatureEN,
            ])
        case .paymentExpired:
            make("Your {{examCode}} seat was released", [
                "Dear {{candidateName}},", "We did not receive your payment in time, so the seat we held{{#sessionName}} in {{sessionName}}{{/sessionName}} was released.",
                "You are welcome to book again.", signatureEN,
            ])
        case .sessionChanged:
            make("Your {{examCode}} session has changed: now {{startDate}}, {{startTime}}", [
                "Dear {{candidateName}},", "Your session has changed{{#previousStartDate}} (it was on {{previousStartDate}}, {{previousStartTime}}){{/previousStartDate}}. This is how it stands now:",
                sessionEN, instructionsEN, "The attached update keeps your calendar in step.", signatureEN,
            ])
        case .sessionCancelled:
            make("Your {{examCode}} session on {{startDate}} is cancelled", [
                "Dear {{candidateName}},", "We are sorry: this session is cancelled{{#reason}} ({{reason}}){{/reason}}:", sessionEN,
                "Your authorization, if you booked with one, is available again for another session.", signatureEN,
            ])
        case .authorizationExpired:
            make("Your {{examCode}} booking is cancelled: your authorization has expired", [
                "Dear {{candidateName}},", "Your authorization for {{examCode}} expired before this session, so your booking is cancelled:", sessionEN,
                "To sit the exam, buy it again or contact us. The attached update removes the session from your calendar.", signatureEN,
            ])
        case .reminder:
            make("Reminder: your {{examCode}} exam is on {{startDate}}, {{startTime}}", [
                "Dear {{candidateName}},", "Your exam starts in about {{hoursBefore}} hours:", sessionEN, instructionsEN, signatureEN,
            ])
        case .resultAvailable:
            make("Your {{examCode}} result is available", [
                "Dear {{candidateName}},",
                "Your {{examCode}} exam has been verified. {{#positive}}Congratulations: the result is positive.{{/positive}}{{#negative}}Unfortunately the result is negative.{{/negative}}",
                "You can see the details of your result in your candidate account.", signatureEN,
            ])
        }
    }

    // MARK: - French

    static let sessionFR = """
        {{sessionName}} ({{examCode}})
        {{startDate}}, {{startTime}}–{{endTime}} ({{timeZone}}, UTC{{utcOffset}})
        {{locationName}}, {{address}}{{#room}} — {{room}}{{/room}}
        Modalité : {{deliveryPreference}}
        """
    static let instructionsFR = """
        {{#instructions}}Consignes : {{instructions}}{{/instructions}}{{^instructions}}Cette session n’a pas de consigne particulière.{{/instructions}}{{#additionalInstructions}}
        À noter également : {{additionalInstructions}}{{/additionalInstructions}}
        """
    static let signatureFR = "L’équipe ExamHall\nRéférence de réservation : {{bookingId}}"

    static func french(_ kind: NotificationKind) -> MessageTemplate {
        switch kind {
        case .bookingConfirmed:
            make("Votre examen {{examCode}} est réservé : {{startDate}}, {{startTime}}", [
                "Bonjour {{candidateName}},", "Votre place est réservée :", sessionFR, instructionsFR,
                "L’événement joint ajoute la date à votre agenda.", signatureFR,
            ])
        case .waitlistJoined:
            make("Vous êtes sur la liste d’attente de {{examCode}} le {{startDate}}", [
                "Bonjour {{candidateName}},", "La session est complète ; vous êtes inscrit(e) sur sa liste d’attente :", sessionFR,
                "Si une place se libère avant la date limite de réservation, elle vous revient et nous vous écrirons aussitôt.", signatureFR,
            ])
        case .waitlistPromoted:
            make("Une place vous revient : {{examCode}} le {{startDate}}, {{startTime}}", [
                "Bonjour {{candidateName}},", "Une place s’est libérée et vous étiez en tête de la liste d’attente. Vous êtes inscrit(e) :", sessionFR, instructionsFR,
                "L’événement joint ajoute la date à votre agenda.", signatureFR,
            ])
        case .bookingCancelled:
            make("Votre réservation {{examCode}} est annulée", [
                "Bonjour {{candidateName}},", "Votre réservation pour cette session est annulée{{#reason}} ({{reason}}){{/reason}} :", sessionFR,
                "La mise à jour jointe la retire de votre agenda.", signatureFR,
            ])
        case .bookingTransferred:
            make("{{#rescheduled}}Report confirmé{{/rescheduled}}{{^rescheduled}}Changement de session{{/rescheduled}} : votre examen {{examCode}} a lieu le {{startDate}}, {{startTime}}", [
                "Bonjour {{candidateName}},",
                "{{#rescheduled}}Comme vous l’avez demandé, votre examen est reporté{{/rescheduled}}{{^rescheduled}}Notre équipe a déplacé votre réservation{{/rescheduled}} de {{previousSessionName}} ({{previousStartDate}}, {{previousStartTime}}) vers :",
                sessionFR, instructionsFR, "La mise à jour jointe déplace l’événement dans votre agenda.", signatureFR,
            ])
        case .bookingRejected:
            make("Nous n’avons pas pu réserver votre examen {{examCode}}", [
                "Bonjour {{candidateName}},", "Nous n’avons pas pu maintenir votre réservation{{#sessionName}} pour {{sessionName}}{{/sessionName}}{{#reason}} : {{reason}}{{/reason}}.",
                "Votre place a été libérée. Merci de réserver une autre session ou de nous contacter.", signatureFR,
            ])
        case .paymentRequested:
            make("Paiement requis pour conserver votre place d’examen", [
                "Bonjour {{candidateName}},", "Nous vous réservons une place{{#sessionName}} pour {{sessionName}}{{/sessionName}}{{#examCode}} ({{examCode}}){{/examCode}}{{#startDate}}, le {{startDate}} de {{startTime}} à {{endTime}} ({{timeZone}}, {{utcOffset}}) à {{locationName}}, {{address}}{{/startDate}}.",
                "Pour la conserver, merci de régler {{amount}} {{currency}} avant le {{paymentDeadlineDate}}, {{paymentDeadlineTime}}.",
                "Sans paiement d’ici là, la place sera proposée au candidat suivant.", signatureFR,
            ])
        case .paymentExpired:
            make("Votre place {{examCode}} a été libérée", [
                "Bonjour {{candidateName}},", "Nous n’avons pas reçu votre paiement à temps ; la place réservée{{#sessionName}} pour {{sessionName}}{{/sessionName}} a été libérée.",
                "Vous pouvez réserver à nouveau.", signatureFR,
            ])
        case .sessionChanged:
            make("Votre session {{examCode}} a changé : désormais le {{startDate}}, {{startTime}}", [
                "Bonjour {{candidateName}},", "Votre session a changé{{#previousStartDate}} (elle était prévue le {{previousStartDate}}, {{previousStartTime}}){{/previousStartDate}}. Voici ce qui est prévu désormais :",
                sessionFR, instructionsFR, "La mise à jour jointe tient votre agenda à jour.", signatureFR,
            ])
        case .sessionCancelled:
            make("Votre session {{examCode}} du {{startDate}} est annulée", [
                "Bonjour {{candidateName}},", "Nous sommes désolés : cette session est annulée{{#reason}} ({{reason}}){{/reason}} :", sessionFR,
                "Si vous aviez réservé avec une autorisation, elle est de nouveau disponible pour une autre session.", signatureFR,
            ])
        case .authorizationExpired:
            make("Votre réservation {{examCode}} est annulée : votre autorisation a expiré", [
                "Bonjour {{candidateName}},", "Votre autorisation pour {{examCode}} a expiré avant cette session ; votre réservation est donc annulée :", sessionFR,
                "Pour passer l’examen, achetez-le de nouveau ou contactez-nous. La mise à jour jointe retire la session de votre agenda.", signatureFR,
            ])
        case .reminder:
            make("Rappel : votre examen {{examCode}} a lieu le {{startDate}}, {{startTime}}", [
                "Bonjour {{candidateName}},", "Votre examen commence dans environ {{hoursBefore}} heures :", sessionFR, instructionsFR, signatureFR,
            ])
        case .resultAvailable:
            make("Votre résultat {{examCode}} est disponible", [
                "Bonjour {{candidateName}},",
                "Votre examen {{examCode}} a été vérifié. {{#positive}}Félicitations : le résultat est positif.{{/positive}}{{#negative}}Malheureusement, le résultat est négatif.{{/negative}}",
                "Le détail de votre résultat est disponible dans votre espace candidat.", signatureFR,
            ])
        }
    }
}
