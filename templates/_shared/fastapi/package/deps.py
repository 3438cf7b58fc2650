"""Dependencies the routers share: the settings, a database session, the current user."""

from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from .models import User
from .ratelimit import RateLimiter
from .security import InvalidTokenError, decode_access_token
from .settings import Settings

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login")


def attach_state(app: FastAPI, settings: Settings, engine: AsyncEngine) -> None:
    """Give `app` what these dependencies read from its state, and a new sign-in limiter."""
    app.state.settings = settings
    app.state.engine = engine
    app.state.login_limiter = RateLimiter(settings.login_attempts, settings.login_window_seconds)


# These two are `async` only so that FastAPI calls them on the event loop: it runs a plain
# `def` dependency in a worker thread, a hop that costs more than the lookup itself.
async def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


async def get_engine(request: Request) -> AsyncEngine:
    return cast(AsyncEngine, request.app.state.engine)


async def get_session(
    engine: Annotated[AsyncEngine, Depends(get_engine)],
) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[AsyncEngine, Depends(get_engine)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_current_user(
    session: SessionDep, settings: SettingsDep, token: Annotated[str, Depends(oauth2_scheme)]
) -> User:
    unauthorized = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )
    try:
        subject = decode_access_token(token, secret=settings.secret_key.get_secret_value())
        user_id = int(subject)
    except (InvalidTokenError, ValueError):
        raise unauthorized from None
    user = await session.get(User, user_id)
    if user is None:
        raise unauthorized
    if not user.is_active:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Inactive user")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail="Administrator access required"
        )
    return user


AdminUser = Annotated[User, Depends(get_current_superuser)]
