import NotificationsService

await NotificationsService.main()
