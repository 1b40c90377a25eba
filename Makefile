# The two commands of the README: `make run` and `make test`. Both set up first.
SWIFT ?= swift
TAXON_DB ?= taxon.sqlite
TAXON := .build/release/taxon
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: setup build run test migrations web bench bench-similarity bench-embeddings bench-text bench-hyperbolic bench-cnn bench-search bench-retrieval bench-feedback bench-upload bench-own-classes bench-caltech-head bench-caltech-finetune bench-web

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build -c release --product taxon

# Builds the store on its embedded default (SQLite file: WordNet 3.0, the
# ILSVRC-2012 classes and their embeddings, the sample photos indexed; see
# scripts/default-store.sh) and serves it over HTTP.
run: build
	scripts/default-store.sh $(TAXON) $(TAXON_DB)
	$(TAXON) serve --db $(TAXON_DB) --host $(HOST) --port $(PORT) --ic ontologies/data/wordnet_ic/ic-brown.dat

test: setup
	$(SWIFT) test

# Re-embeds migrations/*.sql into the library after adding or editing one.
migrations:
	python3 scripts/gen-migrations.py

# Re-embeds the web page (web/) into the server after editing it.
web:
	python3 scripts/gen-web.py

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

bench-search: build
	scripts/setup.sh --wrk
	bench/search.sh

bench-retrieval: build
	bench/retrieval.sh

bench-feedback: build
	bench/feedback.sh

bench-own-classes: build
	bench/own-classes.sh

bench-caltech-head: build
	scripts/setup.sh --onnx
	bench/caltech-head.sh

bench-caltech-finetune: build
	scripts/setup.sh --onnx
	bench/caltech-finetune.sh

bench-upload: build
	bench/upload.sh

bench-web: build
	bench/web.sh
