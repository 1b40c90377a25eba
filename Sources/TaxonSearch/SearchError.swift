import TaxonModel

/// A search or index request that cannot be answered as asked.
public enum SearchError: TaxonError, Equatable {
    case embeddingLacksClasses(embedding: String, count: Int, examples: [String])
    case noEmbedding(collection: String)
    case wrongEmbedding(collection: String, indexed: String, requested: String)
    case emptyCollection(String)
    case badK(Int, limit: Int)
    case dimensionMismatch(expected: Int, got: Int)
    case noFolder(String)
    case needsVisualQuery(ranking: String)
    case badParameter(String)
    case notAClassifier(mapper: String)
    case mapperEmbedding(mapper: String, embedding: String, requested: String)
    case otherBackbone(mapper: String, trained: String, given: String)

    public var kind: ErrorKind {
        switch self {
        case .noEmbedding, .wrongEmbedding, .emptyCollection, .embeddingLacksClasses, .notAClassifier, .mapperEmbedding, .otherBackbone: return .unprocessable
        case .noFolder: return .notFound
        case .badK, .dimensionMismatch, .needsVisualQuery, .badParameter: return .invalidInput
        }
    }

    public var description: String {
        switch self {
        case let .embeddingLacksClasses(embedding, count, examples):
            return "embedding '\(embedding)' lacks \(count) of the network's classes (\(examples.joined(separator: ", ")))"
        case let .noEmbedding(collection):
            return "collection '\(collection)' has no semantic vectors: index it with an embedding"
        case let .wrongEmbedding(collection, indexed, requested):
            return "collection '\(collection)' is indexed in embedding '\(indexed)', not '\(requested)': index it again in that embedding"
        case let .emptyCollection(name): return "collection '\(name)' has no images"
        case let .badK(k, limit): return "k must lie in 1...\(limit), got \(k)"
        case let .dimensionMismatch(expected, got): return "the query has \(got) dimensions, the collection \(expected)"
        case let .noFolder(path): return "\(path): no such folder"
        case let .needsVisualQuery(ranking): return "the \(ranking) ranking needs an image query (a concept or text has no visual descriptor)"
        case let .badParameter(message): return message
        case let .notAClassifier(mapper):
            return "mapper '\(mapper)' maps photos into an embedding but names no classes: train one with taxon train-mapper --head classifier"
        case let .otherBackbone(mapper, trained, given):
            return "mapper '\(mapper)' was trained on EfficientNet-\(trained.capitalized) features, not \(given.capitalized)'s: give --weights of that network"
        case let .mapperEmbedding(mapper, embedding, requested):
            return "mapper '\(mapper)' puts photos into embedding '\(embedding)', not '\(requested)'"
        }
    }
}
