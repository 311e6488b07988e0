from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from audit.signals import login_locked_out

        user_locked_out.connect(login_locked_out, dispatch_uid="audit_login_locked_out")
