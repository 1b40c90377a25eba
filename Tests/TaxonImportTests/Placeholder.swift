import XCTest
final class PlaceholderTaxonImportTests: XCTestCase { func testNothing() {} }
