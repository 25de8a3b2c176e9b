"""WebSocket endpoints: the customer chat and the operator console's live feed."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from madoguchi.agents.auth import authenticate
from madoguchi.channels.hub import Peer, dumps
from madoguchi.channels.webchat import CLOSE_UNAUTHENTICATED, serve_customer_chat
from madoguchi.errors import NotAuthenticated
from madoguchi.web.deps import SESSION_COOKIE, get_runtime

router = APIRouter()


@router.websocket("/ws/chat")
async def customer_chat(websocket: WebSocket) -> None:
    await serve_customer_chat(websocket, get_runtime(websocket))


@router.websocket("/ws/console")
async def console_feed(websocket: WebSocket) -> None:
    """Pushes every event the operator may see; actions go through the REST API."""
    runtime = get_runtime(websocket)
    origin = websocket.headers.get("origin")
    host = websocket.headers.get("host")
    await websocket.accept()
    # The cookie rides along on cross-site WebSocket requests too; only the console's own origin may listen.
    if origin is not None and origin.split("://", 1)[-1] != host:
        await websocket.send_text(dumps({"type": "error", "code": "forbidden", "message": "Foreign origin."}))
        await websocket.close(code=4403)
        return
    try:
        async with runtime.sessions() as session:
            agent, _ = await authenticate(session, websocket.cookies.get(SESSION_COOKIE))
    except NotAuthenticated as exc:
        await websocket.send_text(dumps({"type": "error", **exc.to_dict()}))
        await websocket.close(code=CLOSE_UNAUTHENTICATED)
        return
    peer = Peer(send_text=websocket.send_text, agent_id=agent.id, agent_shop_id=agent.shop_id)
    runtime.hub.add(peer)
    try:
        await websocket.send_text(dumps({"type": "hello", "agent_id": agent.id}))
        while True:
            if await websocket.receive_text() == '{"type":"ping"}':
                await websocket.send_text(dumps({"type": "pong"}))
    except WebSocketDisconnect:
        pass
    finally:
        runtime.hub.remove(peer)
