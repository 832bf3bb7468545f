// The phone header's 菜单 button and the organisation tree's 展开/收起 (no inline scripts: the CSP forbids them).
// The phone header's 菜单 button opens and closes the menu with the pages not used daily.
document.addEventListener("DOMContentLoaded", function () {
  var toggle = document.getElementById("menu-toggle");
  var menu = document.getElementById("site-menu");
  if (!toggle || !menu) return;
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("open", open);
  });
});

// The organisation tree: 展开 loads a node's children once (htmx), then the same button
// folds them away (收起) and opens them again.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button.tree-toggle");
  if (!button) return;
  var list = button.nextElementSibling;
  var open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", open ? "true" : "false");
  button.textContent = open ? button.dataset.collapse : button.dataset.expand;
  if (list) list.hidden = !open;
});
