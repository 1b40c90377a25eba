import Foundation
import TaxonTesting
import XCTest
@testable import TaxonServer

/// The web page in a real headless Chromium, against a real `taxon serve` on a
/// store with a collection of ImageNet sample photos (every cat, a third of the
/// dogs, a twelfth of the rest). Screenshots of each step go to
/// .build/test-artefacts/web/ (not committed).
final class WebPageTests: XCTestCase {
    struct Page { let server: ServerProcess; let token: String }
    nonisolated(unsafe) static var page: Result<Page, any Error>?
    static let artefacts = Fixture.repository.appendingPathComponent(".build/test-artefacts/web")

    override class func setUp() {
        super.setUp()
        page = Result { try makePage() }
    }

    override class func tearDown() {
        if case let .success(page) = page { page.server.stop() }
        page = nil
        super.tearDown()
    }

    private static func makePage() throws -> Page {
        try TestData.require(Fixture.weights)
        try TestData.debianWordNet()
        try TestData.imagenetSample()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-web-\(UUID().uuidString)")
        let photos = directory.appendingPathComponent("gallery")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixture.sample).filter { $0.hasSuffix(".jpg") }.sorted()
        for (n, file) in files.enumerated() {
            let wnid = file.prefix(9)
            let felid = wnid >= "n02120000" && wnid < "n02131000", dog = wnid >= "n02085000" && wnid < "n02114000"
            guard felid || (dog && n % 3 == 0) || n % 12 == 0 else { continue }
            try FileManager.default.copyItem(atPath: Fixture.sample + "/" + file, toPath: photos.appendingPathComponent(file).path)
        }
        let store = directory.appendingPathComponent("web.sqlite").path
        try Fixture.classStore(store)
        try Fixture.taxon(["index", photos.path, "--collection", "gallery", "--embedding", "unit", "--weights", Fixture.weights, "--db", store])
        let created = try Fixture.taxon(["keys", "create", "--name", "page", "--scope", "admin", "--db", store])
        guard let token = created.split(whereSeparator: \.isWhitespace).map(String.init).first(where: { $0.count >= 30 }) else {
            throw Browser.Failure(description: "no token in: \(created)")
        }
        let ic = Fixture.repository.appendingPathComponent("ontologies/data/wordnet_ic/ic-brown.dat").path
        let server = try ServerProcess(store: store, ["--ic", try TestData.require(ic)])
        return Page(server: server, token: token)
    }

    /// The server, and a browser on the page, ready (the page sets body[data-ready] once it has the catalogue).
    private func open(_ fragment: String = "#/", width: Int = 1280, height: Int = 1000) throws -> (Page, Browser) {
        guard let page = try Self.page?.get() else { throw Browser.Failure(description: "no page set up") }
        let browser = try Browser(width: width, height: height)
        try browser.open(page.server.base + "/" + fragment)
        try browser.wait(for: "the page to start", "return document.body.dataset.ready === 'true'")
        return (page, browser)
    }

    private func shot(_ browser: Browser, _ name: String) {
        XCTAssertNoThrow(try browser.screenshot(to: Self.artefacts.appendingPathComponent(name + ".png")))
    }

    /// The ancestors' keys of a concept, from the API.
    private func ancestors(_ page: Page, _ key: String) throws -> Set<String> {
        let answer = page.server.send("/v1/concepts/\(key)/ancestors")
        XCTAssertEqual(answer.status, 200, answer.body)
        let list = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [[String: Any]] ?? []
        return Set(list.compactMap { $0["key"] as? String } + [key])
    }

    private static let cards = "return [...document.querySelectorAll('#results .card')].map(c => c.dataset.concept)"
    private static let errorShown = "const e = document.querySelector('#error'); return !e.hidden && e.textContent"

    // MARK: - The page

    func testPageLoadsWithoutConsoleErrorsAtDesktopAndPhoneWidth() throws {
        let (page, browser) = try open()
        XCTAssertEqual(try browser.consoleErrors(), [])
        let options = try browser.run("return [...document.querySelectorAll('#collection option')].map(o => o.value)") as? [String]
        XCTAssertEqual(options?.contains("gallery"), true)
        shot(browser, "01-loaded")

        // Phone width: nothing wider than the screen, the search still answers.
        try browser.resize(width: 390, height: 844)
        try browser.open(page.server.base + "/#/?c=gallery&q=n02084071")
        try browser.wait(for: "results at phone width", "return document.querySelectorAll('#results .card').length >= 10")
        let overflow = try browser.run("return document.documentElement.scrollWidth - window.innerWidth") as? Int
        XCTAssertLessThanOrEqual(try XCTUnwrap(overflow), 0, "the page is wider than a phone's screen")
        shot(browser, "02-phone")
        XCTAssertEqual(try browser.consoleErrors(), [])
    }

    func testAConceptAndEnterShowTenThumbnailsInNamedBands() throws {
        let (page, browser) = try open()
        try browser.type("#q", "dog\u{E007}")  // Enter
        let concepts = try XCTUnwrap(try browser.wait(for: "ten results", "const c = [...document.querySelectorAll('#results .card')]; return c.length >= 10 && c.map(x => x.dataset.concept)") as? [String])
        let bands = try browser.run("return [...document.querySelectorAll('#results .band h2')].map(h => h.textContent)") as? [String] ?? []
        XCTAssertFalse(bands.isEmpty)
        XCTAssertTrue(bands.allSatisfy { !$0.isEmpty }, "\(bands)")
        XCTAssertEqual(bands.first, "dog")
        for concept in concepts.prefix(10) { XCTAssertTrue(try ancestors(page, concept).contains("n02084071"), "\(concept) is not a dog") }
        // Every thumbnail loaded, with its concept as alt text.
        try browser.wait(for: "thumbnails", "return [...document.querySelectorAll('#results img')].slice(0, 10).every(i => i.complete && i.naturalWidth > 0)")
        let alts = try browser.run("return [...document.querySelectorAll('#results img')].slice(0, 10).map(i => i.alt)") as? [String] ?? []
        XCTAssertTrue(alts.allSatisfy { !$0.isEmpty })
        XCTAssertEqual(try browser.run("return document.querySelector('#meaning strong').textContent") as? String, "dog")
        // An explanation on focus: the shared concept and the similarity.
        try browser.run("document.querySelector('#results .card img').focus()")
        let explanation = try browser.run("return getComputedStyle(document.querySelector('#results .card .why')).display !== 'none' && document.querySelector('#results .card .why').textContent") as? String
        XCTAssertEqual(explanation?.contains("shareddog"), true, explanation ?? "no explanation shown on focus")
        let timing = try browser.run("return window.taxonTimings.find(t => t.name === 'first-grid').ms") as? Double
        XCTAssertNotNil(timing)
        shot(browser, "03-concept-search")

        // Autocomplete from the keyboard: type, arrow down, Enter searches the suggestion.
        try browser.run("document.querySelector('#q').value = ''")
        try browser.type("#q", "tabb")
        try browser.wait(for: "suggestions", "return !document.querySelector('#suggestions').hidden && document.querySelector('#suggestions li').textContent")
        shot(browser, "04-autocomplete")
        try browser.type("#q", "\u{E015}\u{E007}")  // ArrowDown, Enter
        try browser.wait(for: "the tabby search", "return document.querySelector('#meaning strong')?.textContent === 'tabby'")
        // Words with a space complete too.
        try browser.run("document.querySelector('#q').value = ''")
        try browser.type("#q", "golden retr")
        try browser.wait(for: "a two-word suggestion", "return !document.querySelector('#suggestions').hidden && document.querySelector('#suggestions li').textContent.startsWith('golden retriever')")
        XCTAssertEqual(try browser.consoleErrors(), [])
    }

    func testMoreResultsRankingsAndTheCutOff() throws {
        let (_, browser) = try open()
        try browser.type("#q", "dog\u{E007}")
        try browser.wait(for: "a page of results", "return document.querySelectorAll('#results .card').length === 40")
        try browser.click("#more")
        try browser.wait(for: "the next page", "return document.querySelectorAll('#results .card').length === 80")
        let ids = try browser.run("return [...document.querySelectorAll('#results .card')].map(c => c.dataset.id)") as? [String] ?? []
        XCTAssertEqual(Set(ids).count, 80, "pages overlap")

        // A photo's query in the visual ranking, then a blend from its slider: each answers with that ranking.
        try browser.type("#photo", Fixture.chelsea)
        try browser.wait(for: "the photo's results", "return document.querySelector('#meaning')?.textContent.includes('tiger cat') && document.querySelectorAll('#results .card').length === 40")
        try browser.run("const r = document.querySelector('#ranking'); r.value = 'visual'; r.dispatchEvent(new Event('change'))")
        try browser.wait(for: "the visual ranking", "return document.querySelector('#meaning small')?.textContent.includes('(visual)')")
        try browser.run("const r = document.querySelector('#ranking'); r.value = 'blend'; r.dispatchEvent(new Event('change'))")
        try browser.wait(for: "the blend", "return document.querySelector('#meaning small')?.textContent.includes('blend α=0.50')")
        XCTAssertEqual(try browser.run("return !document.querySelector('#blend-control').hidden") as? Bool, true)

        // Alike in style: one list ranked by the style facet, each card naming the facet that ranked it; then back to the object.
        try browser.run("const f = document.querySelector('#facet'); f.value = 'style'; f.dispatchEvent(new Event('change'))")
        try browser.wait(for: "the style facet", "return document.querySelector('#meaning small')?.textContent.includes('(alike in style)')")
        XCTAssertEqual(try browser.run("return [...document.querySelectorAll('#results .band h2')].map(h => h.textContent)") as? [String], ["alike in style"])
        XCTAssertEqual(try browser.run("return document.querySelector('#results .card .why').textContent.includes('ranked bystyle')") as? Bool, true)
        shot(browser, "04a-alike-in-style")
        try browser.run("const f = document.querySelector('#facet'); f.value = ''; f.dispatchEvent(new Event('change'))")
        try browser.wait(for: "the object again", "return document.querySelector('#meaning small')?.textContent.includes('blend α=0.50')")

        // The cut-off keeps only photos whose concept is at least that similar to the query's.
        let all = try XCTUnwrap(Int((try browser.run("return document.querySelector('#status').textContent") as? String ?? "").prefix { $0.isNumber }))
        try browser.run("const c = document.querySelector('#cutoff'); c.value = 0.7; c.dispatchEvent(new Event('input')); c.dispatchEvent(new Event('change'))")
        let cut = try XCTUnwrap(try browser.wait(for: "fewer results", "const n = parseInt(document.querySelector('#status').textContent); return n < \(all) && n") as? Int)
        XCTAssertGreaterThan(cut, 10)
        shot(browser, "04b-more-and-cut-off")
    }

    func testAPhotoOfACatShowsCatsFirst() throws {
        let (page, browser) = try open()
        try browser.type("#photo", Fixture.chelsea)
        let concepts = try XCTUnwrap(try browser.wait(for: "results for the photo", "const c = [...document.querySelectorAll('#results .card')]; return c.length >= 10 && c.map(x => x.dataset.concept)") as? [String])
        for concept in concepts.prefix(4) { XCTAssertTrue(try ancestors(page, concept).contains("n02121808"), "\(concept) is not a domestic cat") }
        let firstBand = try browser.run("return document.querySelector('#results .band h2').textContent") as? String
        XCTAssertEqual(firstBand?.contains("cat"), true, firstBand ?? "")
        shot(browser, "05-photo-search")
    }

    func testJudgingAndRefiningChangesTheResultsAndTheMeaning() throws {
        let (page, browser) = try open()
        try browser.type("#q", "tabby\u{E007}")
        try browser.wait(for: "tabby results", "return document.querySelector('#meaning strong')?.textContent === 'tabby' && document.querySelectorAll('#results .card').length >= 10")
        let before = try browser.run("return [...document.querySelectorAll('#results .card')].map(c => c.dataset.id)") as? [String] ?? []
        // ✓ on two other kinds of domestic cat, ✗ on the first result that is not a cat.
        let domesticCat = "n02121808"
        var marked = 0
        let concepts = try browser.run(Self.cards) as? [String] ?? []
        for (n, concept) in concepts.enumerated() where concept != "n02123045" && marked < 2 {
            guard try ancestors(page, concept).contains(domesticCat) else { continue }
            try browser.run("document.querySelectorAll('#results .card')[\(n)].querySelector('.yes').click()")
            marked += 1
        }
        XCTAssertEqual(marked, 2, "fewer than two other domestic cats in \(concepts)")
        let notCat = try XCTUnwrap(try concepts.firstIndex { !(try ancestors(page, $0).contains("n02120997")) })
        try browser.run("document.querySelectorAll('#results .card')[\(notCat)].querySelector('.no').click()")
        XCTAssertEqual(try browser.run("return document.querySelectorAll('#tray-items li').length") as? Int, 3)
        shot(browser, "06-judged")
        try browser.click("#refine")
        let meaning = try XCTUnwrap(try browser.wait(for: "a new meaning", "const m = document.querySelector('#meaning strong')?.textContent; return m !== 'tabby' && m") as? String)
        XCTAssertEqual(meaning, "domestic cat")
        let after = try browser.run("return [...document.querySelectorAll('#results .card')].map(c => c.dataset.id)") as? [String] ?? []
        XCTAssertNotEqual(before, after)
        let judged = try browser.run("return [...document.querySelectorAll('#tray-items li')].length") as? Int
        XCTAssertEqual(judged, 3, "the judgements stay in the tray")
        shot(browser, "07-refined")
    }

    func testABreadcrumbNarrowsEveryResultToItsSubtree() throws {
        let (page, browser) = try open()
        try browser.type("#q", "tabby\u{E007}")
        try browser.wait(for: "the breadcrumb", "return document.querySelector('#crumbs button[data-key=\"n02075296\"]')")
        try browser.click("#crumbs button[data-key=\"n02075296\"]")  // carnivore
        try browser.wait(for: "the narrowed results", "return document.querySelector('#filters .chip')?.textContent.includes('carnivore')")
        try browser.wait(for: "the results", "return document.querySelector('#results').getAttribute('aria-busy') === 'false' && document.querySelectorAll('#results .card').length > 0")
        let concepts = try browser.run(Self.cards) as? [String] ?? []
        XCTAssertGreaterThan(concepts.count, 10)
        for concept in Set(concepts) { XCTAssertTrue(try ancestors(page, concept).contains("n02075296"), "\(concept) is not a carnivore") }
        // The facets count the narrowed results by the carnivore's children, and add up to the total.
        let facets = try XCTUnwrap(try browser.wait(for: "facets", "const f = [...document.querySelectorAll('#facets button')]; return f.length > 0 && f.map(b => b.textContent)") as? [String])
        let counted = facets.compactMap { Int($0.split(separator: "(").last?.dropLast() ?? "") }.reduce(0, +)
        let status = try browser.run("return document.querySelector('#status').textContent") as? String ?? ""
        XCTAssertEqual("\(counted) photos match", status, "facets \(facets)")
        shot(browser, "08-narrowed")
    }

    func testTheConceptPageShowsGlossAncestorsNeighboursMeasuresAndPhotos() throws {
        let (page, browser) = try open("#/concept/tabby.n.01")
        try browser.wait(for: "the concept page", "return document.querySelector('#concept-title').textContent === 'tabby.n.01' && document.querySelectorAll('#similarity tbody tr').length === 7 && document.querySelectorAll('#concept-photos .card').length > 0 && document.querySelectorAll('#concept-neighbors li a').length > 0")
        let gloss = try browser.run("return document.querySelector('#concept-gloss').textContent") as? String
        XCTAssertEqual(gloss, "a cat with a grey or tawny coat mottled with black")
        let ancestors = try browser.run("return [...document.querySelectorAll('#concept-ancestors a')].map(a => a.textContent)") as? [String] ?? []
        XCTAssertEqual(ancestors.suffix(3), ["feline", "cat", "domestic cat"])
        let neighbours = try browser.run("return document.querySelectorAll('#concept-neighbors li a').length") as? Int
        XCTAssertEqual(neighbours, 10)
        // Every measure as the API gives it (res, jcn and lin from the server's Brown information content).
        let cells = try browser.run("return [...document.querySelectorAll('#similarity tbody tr')].map(r => [...r.cells].map(c => c.textContent))") as? [[String]] ?? []
        for row in cells {
            let answer = page.server.send("/v1/similarity?a=n02123045&b=cat&measure=\(row[0])")
            let score = (try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])?["score"] as? Double
            XCTAssertEqual(row[1], String(format: "%.4f", try XCTUnwrap(score, row[0])), row[0])
        }
        shot(browser, "09-concept-page")
        XCTAssertEqual(try browser.consoleErrors(), [])
    }

    func testUploadsShowProgressAndAPhotoThatIsNotOneShowsAnError() throws {
        let (page, browser) = try open("#/upload")
        let notAPhoto = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-photo-\(UUID().uuidString).jpg")
        try Data("these are words, not pixels".utf8).write(to: notAPhoto)
        try browser.type("#key", page.token)
        try browser.run("document.querySelector('#key').dispatchEvent(new Event('change'))")
        try browser.type("#new-collection", "mine")
        try browser.click("#make-collection")
        try browser.wait(for: "the new collection", "return document.querySelector('#upload-collection').value === 'mine'")
        try browser.type("#files", Fixture.chelsea + "\n" + notAPhoto.path)
        let rows = try XCTUnwrap(try browser.wait(for: "both uploads", "const r = [...document.querySelectorAll('#upload-list li')]; return r.length === 2 && r.every(l => !l.textContent.includes('uploading')) && r.map(l => l.className + '|' + l.textContent)") as? [String])
        XCTAssertTrue(rows.contains { $0.hasPrefix("failed|") && $0.contains("neither a JPEG nor a PNG") }, "\(rows)")
        XCTAssertTrue(rows.contains { $0.hasPrefix("|") && $0.contains("added as photo") }, "\(rows)")
        XCTAssertEqual(try browser.run("return document.querySelector('#upload-list li:not(.failed) progress').value") as? Double, 1)
        shot(browser, "10-upload")
        XCTAssertEqual(page.server.send("/v1/collections/mine").body.contains("\"images\":1"), true)

        // The same non-photo as a search example: a readable error, not a blank page.
        try browser.open(page.server.base + "/#/")
        try browser.wait(for: "the search page", "return document.body.dataset.ready === 'true'")
        try browser.type("#photo", notAPhoto.path)
        let error = try XCTUnwrap(try browser.wait(for: "an error message", Self.errorShown) as? String)
        XCTAssertTrue(error.contains("neither a JPEG nor a PNG"), error)
        shot(browser, "11-not-a-photo")
    }
}
