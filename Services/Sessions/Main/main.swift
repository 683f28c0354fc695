import SessionsService

await SessionsService.main()
