import AuthorizationsService

await AuthorizationsService.main()
