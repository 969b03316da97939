/// Something a test starts and must stop before it ends (a server, a fixture).
public protocol AsyncStoppable: Sendable {
    func stop() async
}

/// Runs `body` with `resource` and awaits `resource.stop()` afterwards, also when `body` throws — the awaited form
/// of `defer { stop() }`, so no test leaves a server running into the next one.
public func using<Resource: AsyncStoppable, Result>(
    _ resource: Resource, _ body: (Resource) async throws -> Result
) async throws -> Result {
    let result: Result
    do {
        result = try await body(resource)
    } catch {
        await resource.stop()
        throw error
    }
    await resource.stop()
    return result
}
