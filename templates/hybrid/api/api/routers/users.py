"""`GET /users/me`: the signed-in user, as Django has them now."""

from fastapi import APIRouter

from ..deps import CurrentUser
from ..models import User
from ..schemas.auth import UserPublic

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserPublic)
async def read_me(user: CurrentUser) -> User:
    return user
