from django import forms

from kechuang.core.widgets import InlineSelect


class Pick(forms.Form):
    colour = forms.ChoiceField(choices=[("", "—"), ("r", "红 <red>"), ("g", "绿")], required=False, widget=InlineSelect)


def test_inline_select_renders_like_django_select_with_escaping_and_selection() -> None:
    html = str(Pick({"colour": "r"})["colour"])
    assert html == (
        '<select id="id_colour" name="colour">'
        '<option value="">—</option>'
        '<option value="r" selected>红 &lt;red&gt;</option>'
        '<option value="g">绿</option>'
        "</select>"
    )


def test_inline_select_without_a_value_selects_the_empty_choice_as_django_does() -> None:
    html = str(Pick()["colour"])
    assert '<option value="" selected>—</option>' in html
    assert html.count(" selected") == 1
