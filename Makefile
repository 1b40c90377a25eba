# The two commands of the README: `make run` and `make test`. Both set up first.
SWIFT ?= swift
TAXON_DB ?= taxon.sqlite
TAXON := .build/release/taxon

.PHONY: setup build run test migrations bench bench-similarity bench-embeddings bench-text bench-hyperbolic bench-cnn

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build -c release --product taxon

# Builds the store on its embedded default (SQLite file, WordNet 3.0 and the
# ILSVRC-2012 class set) and prints what it holds.
run: build
	$(TAXON) import wordnet --if-missing --db $(TAXON_DB)
	$(TAXON) import imagenet --wnids ontologies/imagenet/ilsvrc2012_wnids.txt --name ilsvrc2012 --if-missing --db $(TAXON_DB)
	$(TAXON) info --db $(TAXON_DB)

test: setup
	$(SWIFT) test

# Re-embeds migrations/*.sql into the library after adding or editing one.
migrations:
	python3 scripts/gen-migrations.py

bench: build
	scripts/setup.sh --vectors --text
	bench/import.sh

bench-similarity: build
	bench/similarity.sh

bench-embeddings: build
	bench/embeddings.sh

bench-text: build
	bench/text.sh

bench-hyperbolic: build
	bench/hyperbolic.sh

bench-cnn: build
	scripts/setup.sh --onnx
	bench/cnn.sh
