"""The FastAPI application: REST API, WebSocket endpoints and the pages. Handlers only translate."""
