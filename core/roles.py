"""Staff roles: the groups a migration creates, and what each may do."""

from __future__ import annotations

VIEW_ALL = [
    "applicants.view_applicant",
    "vpn_records.view_registration",
    "vpn_records.view_ipentry",
    "vpn_records.view_statuschange",
    "vpn_records.view_deniednetwork",
    "vpn_records.view_deniednumber",
    "vpn_records.view_ipallocation",
    "bulk_uploads.view_bulkupload",
    "notifications.view_notification",
    "evidence.view_document",
    "evidence.view_documentrequirement",
    "drives.view_registrationwindow",
    "drives.view_windowchange",
    "licensing.view_licenceapplication",
    "licensing.view_licencechange",
    "licensing.view_licencedocument",
]
ROLE_PERMISSIONS = {
    "auditor": [
        *VIEW_ALL,
        "applicants.view_personaldataview",
        "vpn_records.view_numberview",
        "applicants.view_apitoken",
        "applicants.view_operatoraccount",
        "evidence.view_documentview",
        "licensing.view_licencedocumentview",
    ],
    "reviewer": [*VIEW_ALL, "vpn_records.decide_ipentry", "licensing.recommend_licenceapplication"],
    "supervisor": [
        *VIEW_ALL,
        "applicants.view_personaldataview",
        "vpn_records.view_numberview",
        "vpn_records.decide_ipentry",
        "vpn_records.revoke_ipentry",
        "vpn_records.override_ipentry",
        "vpn_records.add_deniednetwork",
        "vpn_records.change_deniednetwork",
        "vpn_records.delete_deniednetwork",
        "vpn_records.add_deniednumber",
        "vpn_records.change_deniednumber",
        "vpn_records.delete_deniednumber",
        "vpn_records.add_ipallocation",
        "vpn_records.change_ipallocation",
        "vpn_records.delete_ipallocation",
        "notifications.change_notification",
        "applicants.view_operatoraccount",
        "applicants.add_operatoraccount",
        "applicants.change_operatoraccount",
        "applicants.view_apitoken",
        "applicants.add_apitoken",
        "applicants.change_apitoken",
        "evidence.view_documentview",
        "evidence.add_documentrequirement",
        "evidence.change_documentrequirement",
        "evidence.delete_documentrequirement",
        "drives.add_registrationwindow",
        "drives.change_registrationwindow",
        "licensing.view_licencedocumentview",
        "licensing.grant_licenceapplication",
    ],
}


def sync_role_groups(apps, schema_editor=None) -> None:
    """Create or update the role groups with exactly their permissions (run by a migration)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Migration states have no models module, and create_permissions skips apps without one.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        permissions = [
            permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in (name.split(".") for name in names)
            if _model_exists_yet(apps, app_label, codename)
        ]
        group.permissions.set(permissions)


def _model_exists_yet(apps, app_label: str, codename: str) -> bool:
    """An earlier migration runs this before later models (or their own permissions) exist; their migration grants
    their permissions."""
    action, _sep, model_name = codename.partition("_")
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return False
    return action in {"add", "change", "delete", "view"} or codename in {
        name for name, _label in model._meta.permissions
    }
