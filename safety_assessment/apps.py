from django.apps import AppConfig


class SafetyAssessmentConfig(AppConfig):
    """Safety assessment instruments, outcomes and four-eyes decisions."""

    name = "safety_assessment"
    verbose_name = "Veiligheidsbeoordeling"
