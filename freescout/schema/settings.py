"""drf-spectacular's settings for the FreeScout API's schema, passed to its schema view and to the test
suite's generator (``custom_settings``), not set globally: another dialect's schema has its own."""

SCHEMA_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": (
        "The FreeScout API, and this project's extensions (tag `extensions`, `x-extension: true`). "
        "Every error answers `{message, errorCode, _embedded: {errors: [...]}}`."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SCHEMA_PATH_PREFIX": "/api",
    "SCHEMA_PATH_PREFIX_TRIM": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "PREPROCESSING_HOOKS": ["freescout.schema.preprocess_endpoints"],
    "POSTPROCESSING_HOOKS": ["freescout.schema.postprocess_schema"],
}
