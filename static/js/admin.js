// The admin's own widgets, named for assistive technology where Django's scripts leave them
// unnamed. Loaded at the end of the page (templates/admin/base_site.html), so its handlers run
// after those of the scripts that build the widgets. Nothing else: the admin works without it.

// SelectFilter2 (filter_horizontal) builds its magnifying glass on "load": a <span> with an
// aria-label but no role.
window.addEventListener("load", () => {
  document.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach((icon) => {
    icon.setAttribute("role", "img");
  });
});

// An inline's row has no <label> per field, only the column's header: its select's aria-label
// (events/admin.py, name_inputs) names it, held in a hidden element that aria-labelledby can name.
function nameOf(select) {
  const label = document.querySelector(`label[for="${select.id}"]`);
  if (label || !select.getAttribute("aria-label")) return label;
  const name = document.createElement("span");
  name.hidden = true;
  name.textContent = select.getAttribute("aria-label");
  select.after(name);
  return name;
}

// select2 (autocomplete_fields), built when the document is ready, is labelled only by the chosen
// value, which is empty until one is chosen: name its box and its value by the field's <label>.
function nameAutocompleteBoxes() {
  document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
    const box = select.parentElement.querySelector(".select2-selection");
    if (!box || box.dataset.named) return;
    const label = nameOf(select);
    if (!label) return;
    box.dataset.named = "yes";
    label.id = label.id || `${select.id}-label`;
    const shown = box.getAttribute("aria-labelledby") || "";
    if (!shown.includes(label.id)) box.setAttribute("aria-labelledby", `${label.id} ${shown}`.trim());
    const value = box.querySelector(".select2-selection__rendered");
    if (value && !value.hasAttribute("aria-labelledby")) value.setAttribute("aria-labelledby", label.id);
  });
}

if (window.django && window.django.jQuery) {
  window.django.jQuery(nameAutocompleteBoxes);
  // A row added with "Add another" gets its select2 from the same event: name it once it is built.
  document.addEventListener("formset:added", () => setTimeout(nameAutocompleteBoxes));
}
