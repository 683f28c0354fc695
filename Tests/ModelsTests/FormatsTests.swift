import ExamHallModels
import Testing

@Suite struct FormatsTests {
    @Test(arguments: ["a@b.co", "first.last+tag@example.org"]) func acceptsEmail(_ value: String) {
        #expect(Formats.isEmail(value))
    }

    @Test(arguments: ["", "plain", "a@b", "a@@b.co", "a b@c.de", "@b.co", "a@-b.co"]) func refusesEmail(_ value: String) {
        #expect(!Formats.isEmail(value))
    }

    @Test func languageTags() {
        #expect(Formats.isLanguageTag("en"))
        #expect(Formats.isLanguageTag("fr-CA"))
        #expect(Formats.isLanguageTag("zh-Hant-TW"))
        #expect(!Formats.isLanguageTag("english"))
        #expect(!Formats.isLanguageTag("e"))
        #expect(!Formats.isLanguageTag("en_US"))
    }

    @Test func examCodesAndCurrencies() {
        #expect(Formats.isExamCode("CLOUD-101"))
        #expect(!Formats.isExamCode("CLOUD 101"))
        #expect(!Formats.isExamCode(String(repeating: "A", count: 65)))
        #expect(Formats.isCurrencyCode("EUR"))
        #expect(!Formats.isCurrencyCode("eur"))
    }
}
