# The web image for docker-compose.yml: Daphne serving HTTP and WebSockets.
# An exact Python patch on an exact Debian release, the one CI and the developers run on:
# the image changes only when this line does.
FROM python:3.11.18-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    # Run the apps from the source tree, so templates, data files and static files are
    # found next to the code whatever pip copied into site-packages.
    PYTHONPATH=/app
WORKDIR /app
# Dependencies first, in their own layer: it is rebuilt only when the lock changes, not on
# every change to the code. requirements/runtime.txt holds the same pins and hashes as
# requirements/lock.txt without the test tools (`make lock` writes both).
COPY requirements/runtime.txt /app/requirements/runtime.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/runtime.txt
COPY . /app
# The project itself, resolving nothing: its dependencies and the setuptools that builds it
# come from the lock above.
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
    && useradd --system --home /app veiligthuis
# The static files under content-hashed names, compressed, in STATIC_ROOT: ServeStatic
# serves them from there with far-future caching (STATIC_FILES_COLLECTED, on in
# production). Collecting needs settings, not secrets: the throwaway development secrets
# it generates are deleted in the same step and never reach the image.
RUN STATIC_FILES_COLLECTED=true DEV_SECRETS_FILE=/tmp/build-secrets.json \
        python manage.py collectstatic --noinput --verbosity 0 \
    && rm -f /tmp/build-secrets.json
USER veiligthuis
EXPOSE 8000
# observability.serve is daphne with an access log that holds no query strings and no
# raw addresses (README, "Observability").
CMD ["python", "-m", "observability.serve", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]
