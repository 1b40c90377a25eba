import XCTest
final class PlaceholdertaxonTests: XCTestCase { func testNothing() {} }
