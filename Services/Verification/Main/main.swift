import VerificationService

await VerificationService.main()
