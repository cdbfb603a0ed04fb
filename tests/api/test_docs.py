def test_openapi_docs_are_at_api_docs(client):
    response = client.get("/api/docs", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/api/v1/docs"
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "NewRetail API"
    assert "/api/v1/me" in schema["paths"]
