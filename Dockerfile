# The web image for docker-compose.yml: Daphne serving HTTP and WebSockets.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY accounts ./accounts
COPY privacy ./privacy
COPY events ./events
COPY hotline ./hotline
COPY reports ./reports
COPY safety_assessment ./safety_assessment
COPY routing ./routing
COPY templates ./templates
COPY static ./static
COPY locale ./locale
COPY manage.py ./
RUN pip install --no-cache-dir . && useradd --system --home /app veiligthuis
USER veiligthuis
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", "config.asgi:application"]
