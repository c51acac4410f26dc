import HTTPTransport
import Testing

/// The URL as logs and outcomes show it: no query, fragment or user information.
struct HTTPRequestTests {
    @Test(
        arguments: [
            ("https://user:secret@argo.example:2746/api/v1?token=x#frag", "https://argo.example:2746/api/v1"),
            ("http://127.0.0.1:8080/hook", "http://127.0.0.1:8080/hook"),
            ("http://host/path/a@b?x=1", "http://host/path/a@b"),
            ("http://jörg:pässword@hôst/päth#x", "http://hôst/päth"),
            ("no-scheme@host/path", "no-scheme@host/path"),
            ("", ""),
        ])
    func redactedURL(url: String, expected: String) {
        #expect(HTTPRequest(url: url).redactedURL == expected)
    }
}
