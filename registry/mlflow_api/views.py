"""MLflow model-registry REST endpoints (/api/2.0/mlflow/...): thin views over the registry's services and selectors.

Wire rules (see docs): success is HTTP 200 with a JSON object; GET arguments come in the query string, others in a
JSON body; errors are ``{"error_code", "message"}`` (``errors.py``).
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from mlops_gov.api.parsers import JSONParser
from mlops_gov.errors import ConflictError
from registry import limits
from registry import services as registry_services
from registry.mlflow_api import errors, filters, selectors, services, shapes
from registry.mlflow_api.authentication import AUTHENTICATION_CLASSES, MlflowRolePermission
from registry.mlflow_api.errors import BAD_REQUEST, INVALID_PARAMETER_VALUE, MlflowError

VIEW_MODELS = ("registry.view_registeredmodel",)
VIEW_VERSIONS = ("registry.view_registeredmodel", "registry.view_modelversion")
CHANGE_MODELS = ("registry.change_registeredmodel",)
MAX_MODEL_RESULTS = 1000
MAX_VERSION_RESULTS = 10_000
_INT = re.compile(r"^[0-9]{1,18}$")


class MlflowView(APIView):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [MlflowRolePermission]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    required_perms: dict[str, tuple[str, ...]] = {}
    schema = None  # documented in docs/, not in the native OpenAPI schema

    def get_exception_handler(self):
        return errors.exception_handler


# --- argument helpers -----------------------------------------------------------------------------------------------


def _params(request) -> Any:
    if request.method == "GET":
        return request.query_params
    data = request.data
    if not isinstance(data, dict):
        raise MlflowError(BAD_REQUEST, "The request body must be a JSON object.")
    return data


def _str(params, name: str, *, required: bool = True, default: str = "") -> str:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise MlflowError(INVALID_PARAMETER_VALUE, f"Missing value for required parameter '{name}'.")
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise MlflowError(INVALID_PARAMETER_VALUE, f"Parameter '{name}' must be a string.")
    value = str(value)
    if "\x00" in value:
        raise MlflowError(INVALID_PARAMETER_VALUE, f"Parameter '{name}' contains a NUL character.")
    return value


def _description(params) -> str:
    """The optional description, within the limit REST keeps too (registry.limits)."""
    return limits.check_text("description", _str(params, "description", required=False))


def _version_number(params) -> int:
    raw = _str(params, "version")
    if not _INT.match(raw):
        raise MlflowError(INVALID_PARAMETER_VALUE, f"Parameter 'version' must be a positive integer, got '{raw}'.")
    return int(raw)


def _int(params, name: str, *, default: int, maximum: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool) or not _INT.match(str(raw)):
        raise MlflowError(INVALID_PARAMETER_VALUE, f"Parameter '{name}' must be a positive integer, got '{raw}'.")
    value = int(raw)
    if not 1 <= value <= maximum:
        raise MlflowError(INVALID_PARAMETER_VALUE, f"Invalid value {value} for parameter '{name}': 1 to {maximum}.")
    return value


def _bool(params, name: str) -> bool:
    raw = params.get(name)
    if raw is None or raw == "":
        return False
    if isinstance(raw, bool):
        return raw
    if str(raw).lower() in ("true", "1"):
        return True
    if str(raw).lower() in ("false", "0"):
        return False
    raise MlflowError(INVALID_PARAMETER_VALUE, f"Parameter '{name}' must be true or false.")


def _list(request, params, name: str) -> list[str]:
    if request.method == "GET":
        values = params.getlist(name)
    else:
        values = params.get(name) or []
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list):
            raise MlflowError(INVALID_PARAMETER_VALUE, f"Parameter '{name}' must be a list of strings.")
    if not all(isinstance(v, str) for v in values):
        raise MlflowError(INVALID_PARAMETER_VALUE, f"Parameter '{name}' must be a list of strings.")
    return values


def _tags(params) -> dict[str, str]:
    raw = params.get("tags") or []
    if not isinstance(raw, list):
        raise MlflowError(INVALID_PARAMETER_VALUE, "Parameter 'tags' must be a list of {key, value} objects.")
    tags: dict[str, str] = {}
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not item["key"]:
            raise MlflowError(INVALID_PARAMETER_VALUE, "Each tag must be an object with a non-empty string 'key'.")
        value = item.get("value", "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise MlflowError(INVALID_PARAMETER_VALUE, f"The value of tag '{item['key']}' must be a string.")
        tags[item["key"]] = value
    return limits.check_tags(tags)


def _stage(raw: str) -> str:
    stage = shapes.MLFLOW_TO_STAGE.get(raw.strip().lower())
    if stage is None:
        raise MlflowError(
            INVALID_PARAMETER_VALUE,
            f"Invalid Model Version stage: {raw}. Value must be one of None, Staging, Production, Archived.",
        )
    return stage


def _held(held: services.Held) -> Response:
    return errors.error_response(errors.PERMISSION_DENIED, held.message())


# --- registered models ----------------------------------------------------------------------------------------------


class RegisteredModelCreate(MlflowView):
    required_perms = {"POST": ("registry.add_registeredmodel",)}

    def post(self, request):
        params = _params(request)
        name = _str(params, "name")
        if selectors.model_exists(name):
            raise MlflowError(errors.RESOURCE_ALREADY_EXISTS, f"Registered Model (name={name}) already exists.")
        try:
            model = services.model_create(
                actor=request.user,
                name=name,
                description=_description(params),
                tags=_tags(params),
            )
        except ConflictError:
            raise MlflowError(
                errors.RESOURCE_ALREADY_EXISTS, f"Registered Model (name={name}) already exists."
            ) from None
        return Response({"registered_model": shapes.registered_model(model)})


class RegisteredModelGet(MlflowView):
    required_perms = {"GET": VIEW_MODELS}

    def get(self, request):
        return Response({"registered_model": selectors.model_entity_by_name(_str(_params(request), "name"))})


class RegisteredModelSearch(MlflowView):
    required_perms = {"GET": VIEW_MODELS}

    def get(self, request):
        params = _params(request)
        conditions = filters.parse_filter(params.get("filter"), filters.MODEL_ATTRIBUTES)
        order = filters.parse_order_by(_list(request, params, "order_by"), filters.MODEL_ORDER_KEYS)
        models, token = selectors.search_models(
            conditions=conditions,
            order=order,
            offset=selectors.decode_page_token(params.get("page_token")),
            limit=_int(params, "max_results", default=100, maximum=MAX_MODEL_RESULTS),
        )
        body: dict[str, Any] = {}
        if models:
            body["registered_models"] = models
        if token:
            body["next_page_token"] = token
        return Response(body)


class RegisteredModelUpdate(MlflowView):
    required_perms = {"PATCH": CHANGE_MODELS}

    def patch(self, request):
        params = _params(request)
        model = selectors.get_model(_str(params, "name"))
        if "description" in params:
            description = _description(params)
            model = registry_services.model_update(model=model, actor=request.user, description=description)
        return Response({"registered_model": selectors.model_entity(model)})


class RegisteredModelRename(MlflowView):
    required_perms = {"POST": CHANGE_MODELS}

    def post(self, request):
        params = _params(request)
        model = selectors.get_model(_str(params, "name"))
        new_name = _str(params, "new_name")
        if selectors.model_exists(new_name):
            raise MlflowError(errors.RESOURCE_ALREADY_EXISTS, f"Registered Model (name={new_name}) already exists.")
        try:
            model = registry_services.model_rename(model=model, actor=request.user, new_name=new_name)
        except ConflictError:
            raise MlflowError(
                errors.RESOURCE_ALREADY_EXISTS, f"Registered Model (name={new_name}) already exists."
            ) from None
        return Response({"registered_model": selectors.model_entity(model)})


class RegisteredModelDelete(MlflowView):
    required_perms = {"DELETE": ("registry.delete_registeredmodel",)}

    def delete(self, request):
        model = selectors.get_model(_str(_params(request), "name"))
        registry_services.model_delete(model=model, actor=request.user)
        return Response({})


class RegisteredModelSetTag(MlflowView):
    required_perms = {"POST": CHANGE_MODELS}

    def post(self, request):
        params = _params(request)
        model = selectors.get_model(_str(params, "name"))
        value = _str(params, "value", required=False)
        services.model_tag_set(model=model, actor=request.user, key=_str(params, "key"), value=value)
        return Response({})


class RegisteredModelDeleteTag(MlflowView):
    required_perms = {"DELETE": CHANGE_MODELS}

    def delete(self, request):
        params = _params(request)
        model = selectors.get_model(_str(params, "name"))
        services.model_tag_set(model=model, actor=request.user, key=_str(params, "key"), value=None)
        return Response({})


class GetLatestVersions(MlflowView):
    required_perms = {"GET": VIEW_VERSIONS, "POST": VIEW_VERSIONS}

    def _answer(self, request):
        params = _params(request)
        model = selectors.get_model(_str(params, "name"))
        raw_stages = _list(request, params, "stages")
        stages = [_stage(s) for s in raw_stages] if raw_stages else None
        versions = selectors.latest_version_entities(model, stages)
        return Response({"model_versions": versions} if versions else {})

    def get(self, request):
        return self._answer(request)

    def post(self, request):
        return self._answer(request)


class RegisteredModelAlias(MlflowView):
    required_perms = {"GET": VIEW_VERSIONS, "POST": CHANGE_MODELS, "DELETE": CHANGE_MODELS}

    def get(self, request):
        params = _params(request)
        entity = selectors.version_by_alias(_str(params, "name"), _str(params, "alias"))
        return Response({"model_version": entity})

    def post(self, request):
        params = _params(request)
        name, alias = _str(params, "name"), _str(params, "alias")
        version = selectors.get_version(name, _version_number(params))
        result = services.alias_set(model=version.model, alias=alias, version=version, actor=request.user)
        if isinstance(result, services.Held):
            return _held(result)
        return Response({})

    def delete(self, request):
        params = _params(request)
        model = selectors.get_model(_str(params, "name"))
        registry_services.alias_delete(model=model, alias=_str(params, "alias"), actor=request.user)
        return Response({})


# --- model versions -------------------------------------------------------------------------------------------------


class ModelVersionCreate(MlflowView):
    required_perms = {"POST": ("registry.add_modelversion",)}

    def post(self, request):
        params = _params(request)
        model = selectors.get_model(_str(params, "name"))
        tags = _tags(params)
        for key, value in tags.items():
            services.check_tag(key, value)
        version = registry_services.version_create(
            model=model,
            actor=request.user,
            source_uri=_str(params, "source"),
            description=_description(params),
            run_id=_str(params, "run_id", required=False),
            tags=tags,
        )
        return Response({"model_version": shapes.model_version(version, model_name=model.name)})


class ModelVersionGet(MlflowView):
    required_perms = {"GET": VIEW_VERSIONS}

    def get(self, request):
        params = _params(request)
        entity = selectors.version_entity_by_number(_str(params, "name"), _version_number(params))
        return Response({"model_version": entity})


class ModelVersionSearch(MlflowView):
    required_perms = {"GET": VIEW_VERSIONS}

    def get(self, request):
        params = _params(request)
        conditions = filters.parse_filter(params.get("filter"), filters.VERSION_ATTRIBUTES)
        order = filters.parse_order_by(_list(request, params, "order_by"), filters.VERSION_ORDER_KEYS)
        versions, token = selectors.search_versions(
            conditions=conditions,
            order=order,
            offset=selectors.decode_page_token(params.get("page_token")),
            limit=_int(params, "max_results", default=MAX_VERSION_RESULTS, maximum=MAX_VERSION_RESULTS),
        )
        body: dict[str, Any] = {}
        if versions:
            body["model_versions"] = versions
        if token:
            body["next_page_token"] = token
        return Response(body)


class ModelVersionUpdate(MlflowView):
    required_perms = {"PATCH": ("registry.change_modelversion",)}

    def patch(self, request):
        params = _params(request)
        version = selectors.get_version(_str(params, "name"), _version_number(params))
        if "description" in params:
            description = _description(params)
            registry_services.version_update(version=version, actor=request.user, description=description)
            version = selectors.get_version(version.model.name, version.version)
        return Response({"model_version": selectors.version_entity(version)})


class ModelVersionDelete(MlflowView):
    required_perms = {"DELETE": ("registry.delete_modelversion",)}

    def delete(self, request):
        params = _params(request)
        version = selectors.get_version(_str(params, "name"), _version_number(params))
        registry_services.version_delete(version=version, actor=request.user)
        return Response({})


class ModelVersionSetTag(MlflowView):
    required_perms = {"POST": ("registry.change_modelversion",)}

    def post(self, request):
        params = _params(request)
        version = selectors.get_version(_str(params, "name"), _version_number(params))
        value = _str(params, "value", required=False)
        services.version_tag_set(version=version, actor=request.user, key=_str(params, "key"), value=value)
        return Response({})


class ModelVersionDeleteTag(MlflowView):
    required_perms = {"DELETE": ("registry.change_modelversion",)}

    def delete(self, request):
        params = _params(request)
        version = selectors.get_version(_str(params, "name"), _version_number(params))
        services.version_tag_set(version=version, actor=request.user, key=_str(params, "key"), value=None)
        return Response({})


class ModelVersionDownloadUri(MlflowView):
    required_perms = {"GET": VIEW_VERSIONS}

    def get(self, request):
        params = _params(request)
        version = selectors.get_version(_str(params, "name"), _version_number(params))
        return Response({"artifact_uri": version.source_uri})


class ModelVersionTransitionStage(MlflowView):
    # The native stage move needs add_modelversion; a production request also needs add_promotionrequest.
    required_perms = {"POST": ("registry.add_modelversion",)}

    def post(self, request):
        params = _params(request)
        version = selectors.get_version(_str(params, "name"), _version_number(params))
        result = services.version_transition(
            version=version,
            stage=_stage(_str(params, "stage")),
            actor=request.user,
            archive_existing=_bool(params, "archive_existing_versions"),
        )
        if isinstance(result, services.Held):
            return _held(result)
        version = selectors.get_version(version.model.name, version.version)
        return Response({"model_version": selectors.version_entity(version)})


class EndpointNotFound(MlflowView):
    required_perms: dict[str, tuple[str, ...]] = {}

    def _not_found(self, request, *args, **kwargs):
        raise MlflowError(errors.ENDPOINT_NOT_FOUND, f"No MLflow registry endpoint {request.method} {request.path}.")

    get = post = patch = put = delete = _not_found
