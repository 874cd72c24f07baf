"""The IdM API: SCIM 2.0 (RFC 7644) at /scim/v2/ for one organisation, the one of the calling
client (``idm.auth``). Thin views: scim2-models parses and checks every payload, filter and PATCH;
the services change state; every call is in the *Revisionslog* (``scim_request``) with the
client's name. Bearer-token API, so no CSRF; errors are SCIM Error JSON in
``application/scim+json``."""

import json
from collections.abc import Callable, Iterator
from functools import wraps

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import parse_etags
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    ListResponse,
    Meta,
    PatchOp,
    ResourceType,
    ResponseParameters,
    Schema,
    SCIMException,
    SearchRequest,
)

from broker.models import Client
from idm import resources, scim, services
from idm.auth import Refusal, api_client_of
from idm.filters import GROUP_COLUMNS, USER_COLUMNS, filter_q
from idm.selectors import scim_groups, scim_users
from mitid_portal.errors import RuleError

CONTENT_TYPE = "application/scim+json"
_RULE_STATUS = {
    "uniqueness": (409, "uniqueness"),
    "cpr_exists": (409, "uniqueness"),
    "already_created": (409, "uniqueness"),
    "mutability": (400, "mutability"),
    "stale": (412, None),
    "self": (403, None),
    "admin_target": (403, None),
    "last_admin": (403, None),
}


def _json(data, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(data, default=str), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(status: int, detail: str, scim_type: str | None = None, headers=None) -> HttpResponse:
    error = Error(status=status, detail=detail, scim_type=scim_type)
    return _json(error.model_dump(), status=status, headers=headers)


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/scim/v2")


def scim_endpoint(*methods: str) -> Callable:
    """The frame of every SCIM view: the client from the bearer token, SCIM errors, the audit."""

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs) -> HttpResponse:
            try:
                client = api_client_of(request)
            except Refusal as refusal:
                challenge = f'Bearer realm="scim", error="{refusal.error}"'
                return _error(
                    refusal.status, refusal.detail, headers={"WWW-Authenticate": challenge}
                )
            if request.method not in methods:
                response = _error(405, "Method not allowed")
                response["Allow"] = ", ".join(methods)
            else:
                response = _answer(view, request, client, kwargs)
            services.scim_request_record(
                client=client, request=request, status=response.status_code
            )
            return response

        return wrapper

    return decorator


def _answer(view: Callable, request: HttpRequest, client: Client, kwargs) -> HttpResponse:
    try:
        return view(request, client, **kwargs)
    except Http404:
        return _error(404, "Resource not found")
    except SCIMException as exc:
        error = exc.to_error()
        return _json(error.model_dump(), status=int(error.status or 400))
    except ValidationError as exc:
        error = Error.from_validation_error(exc.errors()[0])
        return _json(error.model_dump(), status=int(error.status or 400))
    except RuleError as exc:
        status, scim_type = _RULE_STATUS.get(exc.code, (400, "invalidValue"))
        return _error(status, str(exc.message), scim_type)
    except json.JSONDecodeError:
        return _error(400, "The body is not JSON", "invalidSyntax")


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _body(request: HttpRequest) -> bytes:
    """The JSON body, refused when any of its strings holds a NUL character (which no name or id
    holds, and which PostgreSQL cannot store)."""
    body = request.body or b"{}"
    if any("\x00" in text for text in _strings(json.loads(body))):
        raise RuleError("invalid", "A value holds a NUL character (\\u0000).")
    return body


# --- Discovery ----------------------------------------------------------------------------------


def _list(model, items: list) -> dict:
    response = ListResponse[model].model_validate(
        {"totalResults": len(items), "startIndex": 1, "itemsPerPage": len(items)}
    )
    response.resources = items
    return response.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


@scim_endpoint("GET")
def service_provider_config(request: HttpRequest, client: Client) -> HttpResponse:
    data = scim.CONFIG.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    data["documentationUri"] = request.build_absolute_uri("/hjaelp/")
    return _json(data)


def _resource_types(request: HttpRequest) -> list[ResourceType]:
    base = _base(request)
    types = []
    for resource_type in scim.PROVIDER.resource_types:
        copy = resource_type.model_copy(deep=True)
        copy.meta = Meta(resource_type="ResourceType", location=f"{base}/ResourceTypes/{copy.id}")
        types.append(copy)
    return types


def _schemas(request: HttpRequest) -> list[Schema]:
    base = _base(request)
    schemas = []
    for schema in scim.PROVIDER.schemas:
        copy = schema.model_copy(deep=True)
        copy.meta = Meta(resource_type="Schema", location=f"{base}/Schemas/{copy.id}")
        schemas.append(copy)
    return schemas


@scim_endpoint("GET")
def resource_types(request: HttpRequest, client: Client) -> HttpResponse:
    return _json(_list(ResourceType, _resource_types(request)))


@scim_endpoint("GET")
def resource_type(request: HttpRequest, client: Client, name: str) -> HttpResponse:
    for item in _resource_types(request):
        if item.id == name:
            return _json(item.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise Http404


@scim_endpoint("GET")
def schemas(request: HttpRequest, client: Client) -> HttpResponse:
    return _json(_list(Schema, _schemas(request)))


@scim_endpoint("GET")
def schema(request: HttpRequest, client: Client, schema_id: str) -> HttpResponse:
    for item in _schemas(request):
        if item.id == schema_id:
            return _json(item.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise Http404


# --- Users and groups ---------------------------------------------------------------------------


def _page(request: HttpRequest, model, queryset: QuerySet, columns, to_resource) -> HttpResponse:
    """GET with query parameters, or POST …/.search with a SearchRequest body."""
    req: SearchRequest
    if request.method == "POST":
        req = SearchRequest[model].model_validate_json(
            _body(request), scim_ctx=Context.SEARCH_REQUEST
        )
    else:
        req = SearchRequest[model].model_validate(
            request.GET.dict(), scim_ctx=Context.RESOURCE_QUERY_REQUEST
        )
    if req.filter is not None:
        queryset = queryset.filter(filter_q(req.filter, columns)).distinct()
    total = queryset.count()
    start = max(req.start_index or 1, 1)
    count = scim.DEFAULT_COUNT if req.count is None else max(min(req.count, scim.MAX_RESULTS), 0)
    # Past the end is an empty page, without asking the database for an offset it cannot hold.
    page = list(queryset[start - 1 : start - 1 + count]) if count and start <= total else []
    base = _base(request)
    items = [to_resource(obj, base=base) for obj in page]
    response = ListResponse[model].model_validate(
        {"totalResults": total, "startIndex": start, "itemsPerPage": len(items)}
    )
    response.resources = items
    return _json(
        response.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=req)
    )


@scim_endpoint("POST")
def users_search(request: HttpRequest, client: Client) -> HttpResponse:
    assert client.organisation is not None
    return _page(
        request,
        scim.ScimUser,
        scim_users(organisation=client.organisation),
        USER_COLUMNS,
        resources.user_resource,
    )


@scim_endpoint("POST")
def groups_search(request: HttpRequest, client: Client) -> HttpResponse:
    assert client.organisation is not None
    return _page(
        request,
        scim.ScimGroup,
        scim_groups(organisation=client.organisation),
        GROUP_COLUMNS,
        resources.group_resource,
    )


def _one(resource, request: HttpRequest, *, status: int = 200, ctx=None) -> HttpResponse:
    req: ResponseParameters = ResponseParameters.model_validate(request.GET.dict())
    data = resource.model_dump(
        scim_ctx=ctx or Context.RESOURCE_QUERY_RESPONSE, response_parameters=req
    )
    headers = {"ETag": resource.meta.version}
    if status == 201:
        headers["Location"] = resource.meta.location
    return _json(data, status=status, headers=headers)


def _precondition(request: HttpRequest, resource) -> HttpResponse | None:
    if_match = request.headers.get("If-Match")
    if if_match and if_match.strip() != "*":
        current = resource.meta.version
        tags = parse_etags(if_match)
        strong = current.removeprefix("W/")
        if current not in tags and strong not in tags and strong.strip('"') not in tags:
            return _error(412, "The resource has changed (ETag mismatch)")
    return None


def _not_modified(request: HttpRequest, resource) -> bool:
    if_none_match = request.headers.get("If-None-Match") or ""
    return bool(if_none_match) and resource.meta.version in parse_etags(if_none_match)


def _user(client: Client, pk: int):
    assert client.organisation is not None
    user = scim_users(organisation=client.organisation).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


def _user_fresh(request: HttpRequest, client: Client, pk: int):
    return resources.user_resource(_user(client, pk), base=_base(request))


@scim_endpoint("GET", "POST")
def users(request: HttpRequest, client: Client) -> HttpResponse:
    assert client.organisation is not None
    if request.method == "GET":
        return _page(
            request,
            scim.ScimUser,
            scim_users(organisation=client.organisation),
            USER_COLUMNS,
            resources.user_resource,
        )
    payload = scim.ScimUser.model_validate_json(
        _body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST
    )
    user = services.scim_user_create(
        client=client, data=resources.user_data(payload), request=request
    )
    return _one(
        _user_fresh(request, client, user.pk),
        request,
        status=201,
        ctx=Context.RESOURCE_CREATION_RESPONSE,
    )


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def user(request: HttpRequest, client: Client, pk: int) -> HttpResponse:
    current = _user_fresh(request, client, pk)
    if request.method == "GET":
        if _not_modified(request, current):
            return HttpResponse(status=304, headers={"ETag": current.meta.version})
        return _one(current, request)
    refused = _precondition(request, current)
    if refused is not None:
        return refused
    target = _user(client, pk)
    if request.method == "DELETE":
        services.scim_user_delete(client=client, user=target, request=request)
        return HttpResponse(status=204)
    if request.method == "PUT":
        wanted = scim.ScimUser.model_validate_json(
            _body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
        )
        wanted.replace(current)
        ctx = Context.RESOURCE_REPLACEMENT_RESPONSE
    else:
        patch = PatchOp[scim.ScimUser].model_validate_json(
            _body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST
        )
        wanted = current
        patch.patch(wanted)
        ctx = Context.RESOURCE_PATCH_RESPONSE
    services.scim_user_update(
        client=client, user=target, data=resources.user_data(wanted), request=request
    )
    return _one(_user_fresh(request, client, pk), request, ctx=ctx)


def _group(client: Client, pk: int):
    assert client.organisation is not None
    group = scim_groups(organisation=client.organisation).filter(pk=pk).first()
    if group is None:
        raise Http404
    return group


def _members(resource) -> list[str]:
    """The members' ids; a group holds users only, not groups."""
    members = resource.members or []
    if any(m.type not in (None, "User") for m in members):
        raise RuleError("invalid", "A group's members are users (type User).")
    return [str(m.value) for m in members if m.value]


@scim_endpoint("GET", "POST")
def groups(request: HttpRequest, client: Client) -> HttpResponse:
    assert client.organisation is not None
    if request.method == "GET":
        return _page(
            request,
            scim.ScimGroup,
            scim_groups(organisation=client.organisation),
            GROUP_COLUMNS,
            resources.group_resource,
        )
    payload = scim.ScimGroup.model_validate_json(
        _body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST
    )
    group = services.scim_group_create(
        client=client,
        name=payload.display_name or "",
        members=_members(payload),
        external_id=payload.external_id,
        request=request,
    )
    fresh = resources.group_resource(_group(client, group.pk), base=_base(request))
    return _one(fresh, request, status=201, ctx=Context.RESOURCE_CREATION_RESPONSE)


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def group(request: HttpRequest, client: Client, pk: int) -> HttpResponse:
    target = _group(client, pk)
    current = resources.group_resource(target, base=_base(request))
    if request.method == "GET":
        if _not_modified(request, current):
            return HttpResponse(status=304, headers={"ETag": current.meta.version})
        return _one(current, request)
    refused = _precondition(request, current)
    if refused is not None:
        return refused
    if request.method == "DELETE":
        services.scim_group_delete(client=client, group=target, request=request)
        return HttpResponse(status=204)
    if request.method == "PUT":
        wanted = scim.ScimGroup.model_validate_json(
            _body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
        )
        wanted.replace(current)
        ctx = Context.RESOURCE_REPLACEMENT_RESPONSE
    else:
        patch = PatchOp[scim.ScimGroup].model_validate_json(
            _body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST
        )
        wanted = current
        patch.patch(wanted)
        ctx = Context.RESOURCE_PATCH_RESPONSE
    services.scim_group_update(
        client=client,
        group=target,
        name=wanted.display_name or "",
        members=_members(wanted),
        external_id=wanted.external_id,
        request=request,
    )
    fresh = resources.group_resource(_group(client, pk), base=_base(request))
    return _one(fresh, request, ctx=ctx)


@scim_endpoint("POST")
def root_search(request: HttpRequest, client: Client) -> HttpResponse:
    """POST /.search across resource types (RFC 7644 §3.4.3) is not offered: search /Users or
    /Groups."""
    return _error(501, "Search across resource types is not implemented; use /Users/.search")


@scim_endpoint("GET", "POST", "PUT", "PATCH", "DELETE")
def not_found(request: HttpRequest, client: Client, rest: str = "") -> HttpResponse:
    raise Http404
