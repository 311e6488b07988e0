from django.apps import AppConfig


class FreeScoutConfig(AppConfig):
    name = "freescout"
    verbose_name = "FreeScout API"

    def ready(self) -> None:
        # FreeScout's webhook bodies are the API's GET JSON of the conversation or the customer.
        from freescout.conversations.payloads import conversation_payload_by_id
        from freescout.customers.payloads import customer_payload_by_id
        from webhooks.services import webhook_body_builders_register

        webhook_body_builders_register(conversation=conversation_payload_by_id, customer=customer_payload_by_id)
