FROM python:3.11-slim
WORKDIR /app
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
COPY pyproject.toml constraints.txt README.md ./
COPY moderation ./moderation
COPY workers ./workers
COPY admin ./admin
# torch==2.13.0 from the default index is the multi-GB CUDA build on Linux; pass the CPU wheel index of
# your mirror with --build-arg PIP_EXTRA_INDEX_URL=... to keep the image small.
ARG PIP_EXTRA_INDEX_URL=""
RUN PIP_EXTRA_INDEX_URL="$PIP_EXTRA_INDEX_URL" pip install --no-cache-dir -c constraints.txt .
RUN useradd --create-home moderation && mkdir -p /data && chown moderation /data
USER moderation
ENV MODERATION_DATA_DIR=/data
EXPOSE 8000
CMD ["moderation", "serve", "--host", "0.0.0.0"]
