from django.apps import AppConfig


class KnowledgebaseConfig(AppConfig):
    name = "knowledgebase"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from knowledgebase import search

        search.signals_connect(self)
