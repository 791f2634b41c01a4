# HelixDesk OpenEnv server: `docker build -t helixdesk . && docker run -p 7860:7860 helixdesk`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NUMBA_CACHE_DIR=/home/app/.cache/numba

RUN useradd --create-home --uid 1000 app
WORKDIR /home/app/helixdesk

# Dependencies and the package first, so code-only edits of the entry points reuse the layer.
COPY pyproject.toml README.md constraints.txt ./
COPY helixdesk ./helixdesk
RUN pip install -c constraints.txt ".[server,llm]"

COPY app.py openenv.yaml ./
COPY server ./server

USER app
# Compile the numba kernels into the cache now, not on the first request.
RUN python -m helixdesk.warmup

EXPOSE 7860
# Healthy once /ready says the kernels are compiled (503 until then), not merely answering.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:7860/ready', timeout=4)"]
# `python app.py` serves `app:app` on PORT (7860) with the server's uvicorn settings:
# WebSocket frames capped at the body limit, no per-message compression.
CMD ["python", "app.py"]
