import ExamHallModels
import ExamHallServiceKit
import Hummingbird

/// Turns the domain's refusals into problem+json: a broken booking rule is 409 or 422 with the rule's
/// stable type (and `Retry-After` when waiting may be enough), a missing resource 404, invalid settings
/// 422 listing every field.
struct RefusalMiddleware: RouterMiddleware {
    typealias Context = ExamHallRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let refusal as BookingRefusal {
            throw Problem(
                refusal.isConflict ? .conflict : .unprocessableContent, type: refusal.problemType, detail: refusal.description, retryAfter: refusal.retryAfter
            )
        } catch let missing as NotFound {
            throw Problem.notFound(missing.what)
        } catch let invalid as ValidationError {
            throw Problem.invalid(invalid)
        }
    }
}
