from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Length, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from .validators import format_cnic, mask_cnic, validate_cnic, validate_ntn, validate_pk_mobile

# Lets the check constraints below say `cnic__length=13`.
models.CharField.register_lookup(Length)


class Applicant(models.Model):
    """Who registrations belong to: one freelancer, or one company with several user accounts."""

    class Kind(models.TextChoices):
        FREELANCER = "freelancer", _("Freelancer")
        COMPANY = "company", _("Company")

    kind = models.CharField(_("applicant kind"), max_length=20, choices=Kind.choices)
    mobile = PhoneNumberField(_("mobile number"), region="PK", validators=[validate_pk_mobile])

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    cnic = models.CharField(_("CNIC"), max_length=13, blank=True, validators=[validate_cnic])
    city = models.CharField(_("city"), max_length=100, blank=True)
    pseb_number = models.CharField(_("PSEB registration number"), max_length=50, blank=True)

    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    ntn = models.CharField(_("NTN"), max_length=9, blank=True, validators=[validate_ntn])
    secp_number = models.CharField(_("SECP registration number"), max_length=50, blank=True)
    address = models.TextField(_("registered address"), blank=True)
    authorised_person_name = models.CharField(_("authorised person's name"), max_length=150, blank=True)
    authorised_person_cnic = models.CharField(
        _("authorised person's CNIC"), max_length=13, blank=True, validators=[validate_cnic]
    )

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["freelancer", "company"]), name="applicant_kind_valid"),
            models.CheckConstraint(
                condition=~models.Q(kind="freelancer") | (models.Q(cnic__length=13) & ~models.Q(full_name="")),
                name="freelancer_has_identity",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="company")
                | (
                    ~models.Q(legal_name="")
                    & models.Q(ntn__length__gte=7)
                    & ~models.Q(secp_number="")
                    & models.Q(authorised_person_cnic__length=13)
                ),
                name="company_has_identity",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.legal_name if self.kind == self.Kind.COMPANY else self.full_name

    @property
    def is_company(self) -> bool:
        return self.kind == self.Kind.COMPANY

    @property
    def identity_cnic(self) -> str:
        return self.authorised_person_cnic if self.kind == self.Kind.COMPANY else self.cnic

    @property
    def cnic_display(self) -> str:
        return format_cnic(self.identity_cnic)

    @property
    def cnic_masked(self) -> str:
        return mask_cnic(self.identity_cnic)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: object) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields: object) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("email_confirmed_at", timezone.now())
        return self._create_user(email, password, **extra_fields)


class MobileOperator(models.TextChoices):
    """Pakistan's mobile networks: an operator account may be one, and a registered number is on one."""

    JAZZ = "jazz", "Jazz"
    ZONG = "zong", "Zong"
    TELENOR = "telenor", "Telenor"
    UFONE = "ufone", "Ufone"
    SCO = "sco", "SCO"
    ONIC = "onic", "Onic"


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Applicant users belong to an Applicant; staff and operator accounts do not.

    An operator account is an ISP's or firewall team's: it has no password, only API tokens for the whitelist.
    """

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_operator = models.BooleanField(
        _("operator account"), default=False, help_text=_("An ISP or firewall team reading the approved whitelist.")
    )
    # A mobile operator's account reads the approved numbers on its own network; an ISP's has none.
    mobile_operator = models.CharField(_("mobile network"), max_length=10, choices=MobileOperator.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    email_confirmed_at = models.DateTimeField(_("email confirmed at"), null=True, blank=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(is_operator=False)
                | models.Q(applicant__isnull=True, is_staff=False, is_superuser=False),
                name="operator_is_neither_applicant_nor_staff",
            ),
            models.CheckConstraint(
                condition=models.Q(mobile_operator="") | models.Q(is_operator=True),
                name="only_operator_accounts_have_a_mobile_network",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_staff_account(self) -> bool:
        return self.is_staff or self.is_superuser

    # Staff powers belong to staff accounts only: a role given to an applicant's login by mistake grants nothing.
    def has_perm(self, perm, obj=None) -> bool:
        return self.is_staff_account and super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff_account and super().has_module_perms(app_label)


class PersonalDataView(models.Model):
    """Who looked at an applicant's whole CNIC and mobile number, and when. Written, never edited."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("viewer"), on_delete=models.PROTECT, related_name="+"
    )
    applicant = models.ForeignKey(Applicant, verbose_name=_("applicant"), on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(_("viewed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("personal data view")
        verbose_name_plural = _("personal data views")
        ordering = ["-viewed_at"]

    def __str__(self) -> str:
        return f"{self.viewer} → {self.applicant_id} at {self.viewed_at:%Y-%m-%d %H:%M}"


class OperatorAccountManager(UserManager):
    def get_queryset(self):
        return super().get_queryset().filter(is_operator=True)


class OperatorAccount(User):
    """The admin's view of operator accounts; supervisors create them and issue their tokens."""

    objects: ClassVar[OperatorAccountManager] = OperatorAccountManager()

    class Meta:
        proxy = True
        verbose_name = _("operator account")
        verbose_name_plural = _("operator accounts")


class TokenScope(models.TextChoices):
    APPLICANT = "applicant", _("Applicant: own registrations")
    OPERATOR = "operator", _("Operator: whitelist")
    STAFF = "staff", _("Staff: review")


class ApiToken(models.Model):
    """A key for `Authorization: Token …`. Only its SHA-256 is kept; the key is shown once, when issued."""

    user = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="api_tokens")
    scope = models.CharField(_("scope"), max_length=20, choices=TokenScope.choices)
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. “core firewall”."))
    prefix = models.CharField(_("prefix"), max_length=12, help_text=_("The start of the key, to recognise it by."))
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        User, verbose_name=_("issued by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, verbose_name=_("revoked by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(scope__in=TokenScope.values), name="api_token_scope_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired
