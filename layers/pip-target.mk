# Shared recipe for the dependency layers: install pinned wheels for the Lambda runtime
# (python3.13, arm64) into $(ARTIFACTS_DIR)/python, never compiling for the host Python.
# HERE is the including Makefile's folder: sam build runs make from a scratch copy.
BUILD_PYTHON ?= python3
SITE = $(ARTIFACTS_DIR)/python
PIP_TARGET = $(BUILD_PYTHON) -m pip install --quiet --no-compile --disable-pip-version-check \
	--platform manylinux2014_aarch64 --platform manylinux_2_17_aarch64 --platform manylinux_2_28_aarch64 \
	--implementation cp --python-version 3.13 --only-binary=:all: \
	--target $(SITE) -c $(HERE)../../requirements/constraints.txt
STRIP_BUILD = rm -rf $(SITE)/bin && find $(SITE) -name '__pycache__' -type d -prune -exec rm -rf {} +
