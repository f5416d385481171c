# The web image for docker-compose.yml: Daphne serving HTTP and WebSockets.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    # Run the apps from the source tree, so templates, data files and static files are
    # found next to the code whatever pip copied into site-packages.
    PYTHONPATH=/app
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir . && useradd --system --home /app veiligthuis
USER veiligthuis
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", "config.asgi:application"]
