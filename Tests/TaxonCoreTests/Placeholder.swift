import XCTest
final class PlaceholderTaxonCoreTests: XCTestCase { func testNothing() {} }
