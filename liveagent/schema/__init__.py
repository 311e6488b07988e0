"""The LiveAgent API v1 response schemas, one per operation, and the OpenAPI description built from them.

The registry maps (URL name, method) to an ``Operation`` (``liveagent.schema.registry``): its §2 number, its
path under the v1 mount, a summary, the JSON Schema of what the ``{"response": …}`` envelope holds on success
(``liveagent.schema.entities``, from §3 of the reference), its parameters and whether only an admin's key may
call it. Every error answers ``error_envelope()``. The test suite checks every v1 response against it
(``tests/liveagent/schema_validation.py``); ``/liveagent/schema/`` and ``/liveagent/docs/`` describe every
route of ``liveagent/urls.py`` from it.

URL names, for ``endpoint(…, name=…)`` in ``liveagent/urls.py`` (one route per name; methods are the view's):

    liveagent-agent                     /agents/{agentidentifier}                  GET #1
    liveagent-application-status        /application/status                        GET #2
    liveagent-companies                 /companies                                 GET #3
    liveagent-company                   /companies/{companyid}                     GET #4
    liveagent-conversation-attendants   /conversations/{conversationid}/attendants PUT #5
    liveagent-conversation              /conversations/{conversationid}            GET #10, DELETE #6
    liveagent-conversation-fields       /conversations/{conversationid}/fields     DELETE #7, POST #8
    liveagent-conversations             /conversations                             GET #9
    liveagent-conversation-messages     /conversations/{conversationid}/messages   GET #11, POST #12
    liveagent-conversation-status       /conversations/{conversationid}/status     PUT #13
    liveagent-conversation-tags         /conversations/{conversationid}/tags       DELETE #14, GET #15, POST #16
    liveagent-customer-fields           /customers/{customeridentifier}/fields     DELETE #17, POST #18
    liveagent-customer                  /customers/{customeridentifier}            GET #19
    liveagent-customer-groups           /customers/{customeridentifier}/groups     DELETE #20, GET #21, POST #22
    liveagent-customersgroup            /customersgroups/{groupid}                 DELETE #23, GET #24, PUT #27
    liveagent-customersgroups           /customersgroups                           GET #25, POST #26
    liveagent-departments               /departments                               GET #28
    liveagent-department                /departments/{departmentid}                GET #29
    liveagent-file                      /files/{fileid}                            GET #30
    liveagent-files                     /files                                     POST #31
    liveagent-tag                       /tags/{tagid}                              DELETE #62, GET #64, PUT #66
    liveagent-tags                      /tags                                      GET #63, POST #65
    liveagent-kb-articles               /knowledgebase/articles                    GET #32, POST #33
    liveagent-kb-categories             /knowledgebase/categories                  POST #34
    liveagent-kb-entry                  /knowledgebase/entries/{entry_id}          DELETE #35
    liveagent-kb-entries                /knowledgebase/entries                     GET #36
    liveagent-kb-knowledgebases         /knowledgebase/knowledgebases              GET #37
    liveagent-kb-search                 /knowledgebase/search                      GET #38
    liveagent-suggestioncategories      /suggestioncategories                      GET #61
    liveagent-widgets                   /widgets                                   GET #67, POST #69
    liveagent-widget                    /widgets/{contactwidgetid}                 GET #68, PUT #70
    liveagent-chats-overview            /chats/overview                            GET #71
    liveagent-calls-overview            /calls/overview                            GET #72

Path parameters are named as in the table (the route's group names must match the registry's path).

Adding an operation: append to a tuple in ``liveagent/schema/operations.py``

    Operation(
        number, "liveagent-<resource>[-<sub>]", "GET" | "POST" | "PUT" | "DELETE", "/<path>/{param}",
        "summary", entities.<body>(),  # or ok_body() for actions answering {"status":"OK","statuscode":0}
        (path_param("param", "…"), Param("name", "query" | "body", required=…, type=…, description=…), …),
        admin=True,  # only for operations that need an admin's key
    )

with its body built in ``liveagent/schema/entities.py`` from ``liveagent/schema/blocks.py`` (``record`` =
exactly these fields in this order; ``nullable``; ``whole_number`` for ints written as strings). A route whose
view answers a method with no entry fails every test that calls it, and ``tests/liveagent/test_schema.py``.
"""

from collections.abc import Iterable

from liveagent.schema import operations_presence, operations_reports
from liveagent.schema.operations import ALL
from liveagent.schema.registry import Operation, error_envelope

__all__ = ["OPERATIONS", "Operation", "error_envelope", "operation_for"]


def _index(operations: Iterable[Operation]) -> dict[tuple[str, str], Operation]:
    index: dict[tuple[str, str], Operation] = {}
    for operation in operations:
        if operation.key in index:
            raise ValueError(f"Two schemas for {operation.key}")
        index[operation.key] = operation
    return index


OPERATIONS = _index((*ALL, *operations_presence.ALL, *operations_reports.ALL))


def operation_for(name: str, method: str) -> Operation | None:
    return OPERATIONS.get((name, method.upper()))
