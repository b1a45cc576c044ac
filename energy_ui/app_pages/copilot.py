"""Copilot: ask in English or Spanish; every answer shows the tool calls behind it, charted."""

import streamlit as st

from energy_ui import client, views

TEXT = {
    "English": {
        "title": "Copilot",
        "intro": "Ask about forecasts, costs, CO2 or what-ifs. Every answer shows the API calls it used.",
        "placeholder": "e.g. What will tomorrow cost if we move 200 kWh to the night?",
        "missing": "The copilot is not available on this API (POST /copilot/chat answered 404). "
        "Update the API to a version with the copilot, then reload this page.",
        "clear": "New conversation",
    },
    "Español": {
        "title": "Copiloto",
        "intro": "Pregunte por previsiones, costes, CO2 o escenarios. Cada respuesta muestra las llamadas a la API.",
        "placeholder": "p. ej. ¿Cuánto costará mañana si movemos 200 kWh a la noche?",
        "missing": "El copiloto no está disponible en esta API (POST /copilot/chat respondió 404). "
        "Actualice la API a una versión con el copiloto y recargue la página.",
        "clear": "Nueva conversación",
    },
}

language = st.radio("Language / Idioma", list(TEXT), horizontal=True, key="copilot_language")
text = TEXT[language]
st.title(text["title"])
st.caption(text["intro"])
url = client.api_url()
turns = st.session_state.setdefault("copilot_turns", [])
if st.button(text["clear"]):
    turns.clear()
    st.session_state.pop("copilot_session", None)
for index, turn in enumerate(turns):
    views.chat_turn(turn, index)

question = st.chat_input(text["placeholder"])
if question:
    turn = {"role": "user", "content": question}
    turns.append(turn)
    views.chat_turn(turn, len(turns) - 1)
    try:
        with st.spinner("..."):
            answer = client.copilot_chat(url, question, st.session_state.get("copilot_session"))
    except client.ApiNotFound:
        st.warning(text["missing"])
    except client.ApiError as exc:
        views.api_error(exc)
    else:
        st.session_state["copilot_session"] = answer.get("session_id")
        reply = {
            "role": "assistant",
            "content": answer["answer"],
            "tool_calls": answer.get("tool_calls") or [],
            "language": answer.get("language"),
        }
        turns.append(reply)
        views.chat_turn(reply, len(turns) - 1)
