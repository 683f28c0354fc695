import ExamHallServiceKit
import Foundation
import HTTPTypes
import Hummingbird

/// The console's pages speak HTML: refusals become a redirect to sign in or a page that says what
/// happened, and every response carries the headers that keep a browser strict.
struct PageMiddleware: RouterMiddleware {
    typealias Context = ExamHallRequestContext
    let renderer: PageRenderer

    struct Message: Sendable {
        var heading: String
        var text: String
        var link: String?
        var linkLabel: String?
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch PageRefusal.signInRequired(let returnTo) {
            response = redirect(to: "/login?next=" + (returnTo.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
        } catch PageRefusal.forbidden(let signedIn) {
            let home = SignInController.landing(signedIn.account.role)
            response = renderer.render(
                "message", title: "You cannot open this page",
                content: Message(heading: "You cannot open this page", text: "Your role does not allow it. Ask an administrator if you need it.", link: home, linkLabel: "Go to your start page"),
                signedIn: signedIn, status: .forbidden
            )
        } catch PageRefusal.formExpired {
            response = page(request, .forbidden, "This form has expired", "Go back, reload the page and send the form again.")
        } catch PageRefusal.notFound(let what) {
            response = page(request, .notFound, "Page not found", "There is no \(what) here. Check the address, or start again from your start page.")
        } catch let error as BackendUnavailable {
            response = page(request, .serviceUnavailable, "Try again in a moment", "The console could not finish this because \(error). Nothing was changed by this page.")
        } catch let problem as ServiceProblem {
            // A refusal no page expected: the services re-check every rule, so say what they said.
            context.logger.warning("a service refused a page's request", metadata: ["status": "\(problem.status)", "type": "\(problem.type)"])
            switch problem.status {
            case 401: response = page(request, .serviceUnavailable, "Try again in a moment", "A service did not accept the console's credentials. Nothing was changed by this page.")
            case 403: response = page(request, .forbidden, "You cannot do this", "Your role does not allow it. Ask an administrator if you need it.")
            case 404: response = page(request, .notFound, "Page not found", Messages.sentence(problem.detail) + ".")
            default: response = page(request, .unprocessableContent, "This could not be done", Messages.sentence(problem.detail) + ".")
            }
        } catch let error as HTTPError where error.status == .tooManyRequests {
            // The rate limit's answer, as a page, keeping its Retry-After.
            response = page(request, .tooManyRequests, "Too many attempts", error.body ?? "Try again in a minute.")
            response.headers.append(contentsOf: error.headers)
        } catch let error as HTTPError where error.status == .notFound {
            response = page(request, .notFound, "Page not found", "Check the address, or start again from your start page.")
        } catch let error as HTTPResponseError {
            response = page(request, error.status, "Something went wrong", "The request could not be read (\(error.status.code)).")
        } catch {
            context.logger.error("page failed", metadata: ["error": "\(String(reflecting: error))"])
            response = page(request, .internalServerError, "Something went wrong", "The problem has been logged. Try again, or contact your administrator.")
        }
        Self.secure(&response.headers)
        return response
    }

    private func page(_ request: Request, _ status: HTTPResponse.Status, _ heading: String, _ text: String) -> Response {
        let (link, label) = Self.startPage(for: request.uri.path)
        return renderer.render("message", title: heading, content: Message(heading: heading, text: text, link: link, linkLabel: label), signedIn: nil, status: status)
    }

    /// Where someone on `path` starts again: candidates at their exams, proctors at their sessions.
    static func startPage(for path: String) -> (link: String, label: String) {
        if path == "/me" || path.hasPrefix("/me/") { return ("/me", "Go to your exams") }
        if path.hasPrefix("/proctor/") { return ("/proctor/sessions", "Go to your sessions") }
        return ("/calendar", "Go to the calendar")
    }

    /// Content-Security-Policy allows only the console's own styles and scripts; pages cannot be framed.
    static func secure(_ headers: inout HTTPFields) {
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
    }
}
