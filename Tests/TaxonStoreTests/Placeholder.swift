import XCTest
final class PlaceholderTaxonStoreTests: XCTestCase { func testNothing() {} }
