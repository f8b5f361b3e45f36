// Starts Swagger UI from a file, not an inline script, so the strict CSP holds on /docs too.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
